// `cp` between a container and the host: Docker's rules for files and directories; container paths resolved inside it.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ContainerRecord } from '../runtime/container-record.js';
import { copyIntoRootfs } from './copy-files.js';
import { clampRelative, resolveInRoot, splitPath } from './scoped-path.js';
import { type SourceEntry, SourceTree } from './source-tree.js';

export interface ContainerCopyOptions {
  /** `-a`: keep owners (uid/gid); otherwise what is copied belongs to root. */
  archive?: boolean | undefined;
  /** `-L`: follow a symlink named as the source. */
  followLink?: boolean | undefined;
}

/** Where a container path lives on the host: the container's root, or a volume or bind mount. */
interface ContainerLocation {
  root: string;
  relative: string;
}

/**
 * A path inside the container as a place on the host. Symlinks resolve inside the container's root
 * (an absolute link is read from the container's `/`, never the host's); a path under a volume or
 * bind mount is read from its source. A tmpfs lives only inside the container and is refused.
 */
function locate(record: ContainerRecord, containerPath: string): ContainerLocation {
  const clean = clampRelative(containerPath);
  const mounts = [...record.mounts].sort((a, b) => splitPath(b.destination).length - splitPath(a.destination).length);
  for (const mount of mounts) {
    const destination = splitPath(mount.destination).join('/');
    if (clean !== destination && !clean.startsWith(`${destination}/`)) continue;
    if (mount.type !== 'bind') {
      throw new UserError(`${containerPath} is on a ${mount.type} mount of ${record.name}, which only the container sees`, { hint: `use \`berth exec\` to read or write it` });
    }
    return { root: mount.source, relative: clean.slice(destination.length + 1) };
  }
  return { root: record.rootfs, relative: clean };
}

/** The entry a source path names: its final symlink followed with `followLink`, else the link itself. */
async function sourceEntry(tree: SourceTree, relative: string, followLink: boolean, shown: string): Promise<SourceEntry> {
  if (followLink || relative === '') return (await tree.match(relative === '' ? '.' : relative).catch(() => []))[0] ?? missing(shown);
  const parent = await resolveInRoot(tree.root, path.posix.dirname(relative), { escape: 'clamp' });
  const resolved = parent === '' || parent === '.' ? path.posix.basename(relative) : `${parent}/${path.posix.basename(relative)}`;
  return (await tree.stat(resolved)) ?? missing(shown);
}

function missing(shown: string): never {
  throw new UserError(`could not find ${shown}: no such file or directory`);
}

/**
 * The destination of a copy, by Docker's rules: into an existing directory (by the source's name,
 * or its content for `dir/.`), or the path itself; a directory never replaces a file.
 */
async function targetOf(destRoot: string, destRelative: string, destShown: string, source: SourceEntry, sourcePath: string): Promise<string> {
  const resolved = await resolveInRoot(destRoot, destRelative, { escape: 'clamp' });
  const info = await lstat(path.join(destRoot, resolved)).catch(() => undefined);
  const contentOnly = /(^|\/)\.$/.test(sourcePath);
  if (info?.isDirectory()) return contentOnly && source.kind === 'directory' ? resolved : `${resolved === '' ? '' : `${resolved}/`}${path.posix.basename(source.relative) || 'root'}`;
  if (info && source.kind === 'directory') throw new UserError(`cannot copy a directory to ${destShown}: it is a file`);
  if (!info && destShown.endsWith('/') && source.kind !== 'directory') throw new UserError(`${destShown} does not exist and is not a directory`);
  const parent = await lstat(path.join(destRoot, path.posix.dirname(resolved))).catch(() => undefined);
  if (!parent?.isDirectory()) throw new UserError(`the directory of ${destShown} does not exist`);
  return resolved;
}

/** Copy `containerPath` of the container out to `hostPath`. */
export async function copyFromContainer(record: ContainerRecord, containerPath: string, hostPath: string, options: ContainerCopyOptions = {}): Promise<void> {
  const location = locate(record, containerPath);
  const tree = new SourceTree(location.root, { escape: 'clamp', label: `container ${record.name}` });
  const entry = await sourceEntry(tree, location.relative, options.followLink === true, `${record.name}:${containerPath}`);
  const absolute = path.resolve(hostPath);
  const target = await targetOf('/', clampRelative(absolute), hostPath, entry, containerPath);
  await copyIntoRootfs([{ tree, entry }], [], {
    rootfs: '/',
    dest: `/${target}`,
    keepSourceOwners: options.archive === true,
    extractArchives: false,
    what: `cp ${record.name}:${containerPath}`,
  });
}

/** Copy `hostPath` into the container at `containerPath` (a volume's source when the path is on one). */
export async function copyToContainer(record: ContainerRecord, hostPath: string, containerPath: string, options: ContainerCopyOptions = {}): Promise<void> {
  const absolute = path.resolve(hostPath);
  const tree = new SourceTree('/', { escape: 'clamp', label: 'host' });
  const entry = await sourceEntry(tree, clampRelative(absolute), options.followLink === true, hostPath);
  const location = locate(record, containerPath);
  const target = await targetOf(location.root, location.relative, `${record.name}:${containerPath}`, entry, hostPath);
  await copyIntoRootfs([{ tree, entry }], [], {
    rootfs: location.root,
    dest: `/${target}`,
    keepSourceOwners: options.archive === true,
    extractArchives: false,
    what: `cp ${hostPath} ${record.name}:${containerPath}`,
  });
}
