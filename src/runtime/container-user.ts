// Resolve a service's `user` and `group_add` against the container's /etc/passwd and /etc/group (Docker's rules).
import { UserError } from '../errors.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

/** Lines of /etc/passwd; malformed lines are skipped as libc does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7 || line.startsWith('#')) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    entries.push({ name: fields[0] ?? '', uid, gid, home: fields[5] ?? '/' });
  }
  return entries;
}

/** Lines of /etc/group. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 4 || line.startsWith('#')) continue;
    const gid = Number(fields[2]);
    if (!Number.isInteger(gid)) continue;
    entries.push({ name: fields[0] ?? '', gid, members: (fields[3] ?? '').split(',').filter(Boolean) });
  }
  return entries;
}

const NUMERIC = /^\d+$/;

function resolveGroup(spec: string, groups: readonly GroupEntry[], keyPath: string): number {
  if (NUMERIC.test(spec)) return Number(spec);
  const group = groups.find((entry) => entry.name === spec);
  if (!group) {
    throw new UserError(`unable to find group ${spec}: no matching entries in the container's /etc/group`, {
      keyPath,
      hint: 'use a numeric gid or a group the image defines',
    });
  }
  return group.gid;
}

/**
 * `user` is `name`, `uid`, `name:group`, `uid:gid` (empty means root). A name must exist in the
 * container's /etc/passwd; a number need not (it then has gid 0 unless given). Supplementary groups
 * are the /etc/group entries listing the user, then `group_add`.
 */
export function resolveContainerUser(
  userSpec: string | undefined,
  groupAdd: readonly string[] | undefined,
  passwdText: string,
  groupText: string,
): ResolvedUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const [userPart = '', groupPart] = (userSpec ?? '').split(':', 2);
  const userName = userPart === '' ? '0' : userPart;
  let entry: PasswdEntry | undefined;
  if (NUMERIC.test(userName)) {
    entry = passwd.find((candidate) => candidate.uid === Number(userName));
  } else {
    entry = passwd.find((candidate) => candidate.name === userName);
    if (!entry) {
      throw new UserError(`unable to find user ${userName}: no matching entries in the container's /etc/passwd`, {
        keyPath: 'user',
        hint: 'use a numeric uid[:gid] or a user the image defines',
      });
    }
  }
  const uid = entry?.uid ?? Number(userName);
  const gid = groupPart !== undefined && groupPart !== '' ? resolveGroup(groupPart, groups, 'user') : (entry?.gid ?? 0);
  const additional: number[] = [];
  if (entry && groupPart === undefined) {
    for (const group of groups) if (group.members.includes(entry.name) && group.gid !== gid) additional.push(group.gid);
  }
  for (const group of groupAdd ?? []) additional.push(resolveGroup(group, groups, 'group_add'));
  return { uid, gid, additionalGids: [...new Set(additional)], home: entry?.home ?? '/' };
}
