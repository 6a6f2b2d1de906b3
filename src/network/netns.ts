// Persistent network namespace files under <run>/netns: the directory as a shared mount, bind-mounted netns, removal.
import { closeSync, openSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { SystemError, UserError } from '../errors.js';
import { MountFlag, UnmountFlag, berthSys } from '../native/berth-sys.js';
import { ensureDirectory } from '../state/atomic-write.js';
import { withFileLock } from '../state/lock-file.js';
import type { StatePaths } from '../state/paths.js';

const prepared = new Set<string>();

export function netnsDirectory(paths: StatePaths): string {
  return path.join(paths.run, 'netns');
}

export function netnsPathFor(paths: StatePaths, container: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(container)) {
    throw new UserError(`expected a container name of letters, digits, "_", "." and "-", found "${container}"`);
  }
  return path.join(netnsDirectory(paths), container);
}

/**
 * Make the netns directory a shared mount point, as `ip netns` does: a container's mount namespace copied from ours
 * then sees our later unmounts, so it never keeps another container's netns (and its veth) alive.
 */
export async function prepareNetnsDirectory(paths: StatePaths): Promise<string> {
  const dir = netnsDirectory(paths);
  if (prepared.has(dir) && (await isMountPoint(dir))) return dir;
  await ensureDirectory(dir, 0o755);
  // Under a lock shared by every engine process of this state root: a second bind of the (shared) directory onto
  // itself would join its peer group and double every later mount in it.
  await withFileLock(netnsLockPath(paths), async () => {
    const sys = berthSys();
    if (!(await isMountPoint(dir))) sys.mount(dir, dir, null, MountFlag.BIND | MountFlag.REC, null);
    sys.mount(null, dir, null, MountFlag.SHARED | MountFlag.REC, null);
  });
  prepared.add(dir);
  return dir;
}

function netnsLockPath(paths: StatePaths): string {
  return path.join(paths.run, 'netns.lock');
}

async function isMountPoint(dir: string): Promise<boolean> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  return mountinfo.split('\n').some((line) => line.split(' ')[4] === dir);
}

/** The empty file a new netns is bound onto; an existing one means the container already has a netns. */
export async function createNetnsFile(nsPath: string): Promise<void> {
  try {
    closeSync(openSync(nsPath, 'wx', 0o444));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UserError(`a network namespace already exists at ${nsPath}`, { hint: 'remove the container first (berth down)' });
    }
    throw error;
  }
}

/**
 * Unmount and delete a netns file. The kernel then destroys the namespace and the veth ends inside it, which is far
 * cheaper than deleting each host veth (that waits on a kernel-wide lock).
 */
export async function removeNetns(nsPath: string): Promise<void> {
  try {
    berthSys().umount2(nsPath, UnmountFlag.DETACH | UnmountFlag.NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOENT') {
      throw new SystemError((error as Error).message, `umount ${nsPath}`, code);
    }
  }
  rmSync(nsPath, { force: true });
}

export async function listNetnsFiles(paths: StatePaths): Promise<string[]> {
  try {
    return (await readdir(netnsDirectory(paths))).map((name) => path.join(netnsDirectory(paths), name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Undo `prepareNetnsDirectory` once no netns file is left (the last network of the state root is gone), so
 * nothing of berth stays mounted after `down`. A later sandbox prepares the directory again.
 */
export async function releaseNetnsDirectory(paths: StatePaths): Promise<void> {
  const dir = netnsDirectory(paths);
  await withFileLock(netnsLockPath(paths), async () => {
    if ((await listNetnsFiles(paths)).length > 0) return;
    prepared.delete(dir);
    // One mount is ours; more would be a stack some earlier bug left, and all of it goes.
    while (await isMountPoint(dir)) {
      try {
        berthSys().umount2(dir, UnmountFlag.DETACH | UnmountFlag.NOFOLLOW);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EINVAL' || code === 'ENOENT') return;
        throw new SystemError((error as Error).message, `umount ${dir}`, code);
      }
    }
  });
}
