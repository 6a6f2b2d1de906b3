// Writing files into a build step's root filesystem: parents made inside the root, links replaced, never followed out.
import { lstat, mkdir, readFile, unlink, rmdir, chown, chmod, lchown, utimes, lutimes } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { parseGroup, parsePasswd } from '../runtime/container-user.js';
import { resolveInRoot, splitPath } from './scoped-path.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** What a written entry gets: owner, mode (permission bits) and mtime (ms since the epoch). */
export interface EntryMetadata {
  owner: Owner;
  mode: number;
  mtimeMs: number;
}

/** A directory of the root (slash path relative to it) that exists and is real, made with `metadata` where missing. */
export async function ensureDirectory(root: string, relative: string, created: Omit<EntryMetadata, 'mtimeMs'>): Promise<string> {
  const resolved = await resolveInRoot(root, relative, { escape: 'clamp' });
  let current = '';
  for (const part of splitPath(resolved)) {
    current = current === '' ? part : `${current}/${part}`;
    const absolute = path.join(root, current);
    const info = await lstat(absolute).catch(() => undefined);
    if (info?.isDirectory()) continue;
    if (info) throw new UserError(`cannot make directory /${current}: a file of that name exists in the image`, { hint: 'copy to another path, or remove the file in an earlier step' });
    await mkdir(absolute, { mode: created.mode });
    await chown(absolute, created.owner.uid, created.owner.gid);
    // mkdir's mode is cut by the umask.
    await chmod(absolute, created.mode);
  }
  return resolved;
}

/**
 * Make room for a new entry at `absolute` (its parent a real directory of the root): an existing
 * file or link goes; an existing directory stays when `keepDirectory` (it is written into), else is
 * an error unless empty.
 */
export async function clearEntry(absolute: string, shown: string, keepDirectory: boolean): Promise<'directory' | 'clear'> {
  const info = await lstat(absolute).catch(() => undefined);
  if (!info) return 'clear';
  if (info.isDirectory()) {
    if (keepDirectory) return 'directory';
    await rmdir(absolute).catch(() => {
      throw new UserError(`cannot overwrite the directory ${shown} with a file`, { hint: 'copy to a path inside the directory (end the destination with /)' });
    });
    return 'clear';
  }
  await unlink(absolute);
  return 'clear';
}

/** Owner, mode and times of an entry just written (symlinks: owner and times only). */
export async function applyMetadata(absolute: string, kind: 'file' | 'directory' | 'symlink' | 'fifo', metadata: EntryMetadata): Promise<void> {
  const seconds = metadata.mtimeMs / 1000;
  if (kind === 'symlink') {
    await lchown(absolute, metadata.owner.uid, metadata.owner.gid);
    await lutimes(absolute, seconds, seconds);
    return;
  }
  await chown(absolute, metadata.owner.uid, metadata.owner.gid);
  // chown drops setuid bits, so the mode comes after it.
  await chmod(absolute, metadata.mode);
  await utimes(absolute, seconds, seconds);
}

/**
 * `--chown=user[:group]` against the root's /etc/passwd and /etc/group. A user without a group gets the
 * same number as its gid, as Docker does; numbers need no entry.
 */
export async function resolveChown(root: string, spec: string): Promise<Owner> {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const readEtc = (name: string): Promise<string> => readRootFile(root, `etc/${name}`);
  const numeric = (text: string): boolean => /^\d+$/.test(text);
  let uid: number;
  if (numeric(userPart)) uid = Number(userPart);
  else {
    const entry = parsePasswd(await readEtc('passwd')).find((candidate) => candidate.name === userPart);
    if (!entry) throw new UserError(`--chown: unable to find user ${userPart} in the image's /etc/passwd`, { hint: 'use a numeric uid[:gid], or create the user in an earlier RUN' });
    uid = entry.uid;
  }
  if (groupPart === undefined || groupPart === '') return { uid, gid: uid };
  if (numeric(groupPart)) return { uid, gid: Number(groupPart) };
  const group = parseGroup(await readEtc('group')).find((candidate) => candidate.name === groupPart);
  if (!group) throw new UserError(`--chown: unable to find group ${groupPart} in the image's /etc/group`, { hint: 'use a numeric gid, or create the group in an earlier RUN' });
  return { uid, gid: group.gid };
}

/** A text file of the root ('' when absent), its path resolved inside the root. */
export async function readRootFile(root: string, relative: string): Promise<string> {
  const resolved = await resolveInRoot(root, relative, { escape: 'clamp' });
  return readFile(path.join(root, resolved), 'utf8').catch(() => '');
}
