// Container root filesystems: an overlayfs of the image's layers with a per-container upper dir under <root>/rootfs/<id>.
import { lstatSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SystemError, UserError } from '../errors.js';
import { berthSys, UnmountFlag } from '../native/berth-sys.js';
import type { StatePaths } from '../state/paths.js';
import type { ImageRecord } from './image-store-interface.js';
import type { ImageStore } from './image-store.js';

/** A mounted container rootfs. */
export interface PreparedRootfs {
  containerId: string;
  /** The merged view: the container's `/`. */
  rootfs: string;
  upperDir: string;
  workDir: string;
  imageId: string;
}

/** The page-sized limit of mount(2) data; beyond it lowerdir lists need shorter paths. */
const MOUNT_DATA_MAX = 4000;
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function rootfsBaseDir(paths: StatePaths): string {
  return path.join(paths.root, 'rootfs');
}

function containerDir(paths: StatePaths, containerId: string): string {
  if (!CONTAINER_ID.test(containerId)) throw new UserError(`invalid container ID "${containerId}"`);
  return path.join(rootfsBaseDir(paths), containerId);
}

/** Mount overlayfs in-process (berth-sys mount(2)); one function so the mechanism can change in one place. */
export function mountOverlay(target: string, lowerDirs: readonly string[], upperDir: string, workDir: string): void {
  const data = `lowerdir=${lowerDirs.join(':')},upperdir=${upperDir},workdir=${workDir}`;
  if (data.length > MOUNT_DATA_MAX) {
    throw new UserError(`the image has too many layers for one overlay mount (${lowerDirs.length} layers, ${data.length} bytes of mount options)`);
  }
  try {
    berthSys().mount('overlay', target, 'overlay', 0, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SystemError(error instanceof Error ? error.message : String(error), `mount overlay on ${target}`, code, { cause: error });
  }
}

/**
 * Mount the rootfs of container `containerId` from `image`. Idempotent: an existing mount is returned,
 * and a container directory left unmounted by a crash is mounted again with its upper dir intact.
 */
export async function prepareRootfs(store: ImageStore, paths: StatePaths, containerId: string, image: ImageRecord): Promise<PreparedRootfs> {
  const dir = containerDir(paths, containerId);
  const prepared: PreparedRootfs = {
    containerId,
    rootfs: path.join(dir, 'merged'),
    upperDir: path.join(dir, 'upper'),
    workDir: path.join(dir, 'work'),
    imageId: image.id,
  };
  if (isMountPoint(prepared.rootfs)) return prepared;
  // Synchronous calls on purpose: a handful of tiny metadata operations cost less than a thread-pool trip each.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const sub of [prepared.upperDir, prepared.workDir, prepared.rootfs]) mkdirSync(sub, { recursive: true, mode: 0o755 });
  // The record comes before the mount, so the image counts as in use before its layers are.
  const record = path.join(dir, 'rootfs.json');
  writeFileSync(`${record}.tmp`, JSON.stringify({ containerId, imageId: image.id, manifestDigest: image.manifestDigest }));
  renameSync(`${record}.tmp`, record);
  // overlayfs wants the topmost layer first.
  const lowerDirs = [...image.chainIds].reverse().map((chainId) => store.layers.diffDirOf(chainId));
  try {
    mountOverlay(prepared.rootfs, lowerDirs, prepared.upperDir, prepared.workDir);
  } catch (error) {
    const missing = [];
    for (const chainId of image.chainIds) if (!(await store.layers.has(chainId))) missing.push(chainId);
    if (missing.length > 0) throw new UserError(`layers ${missing.join(', ')} of image ${image.id} are not unpacked`, { hint: 'run "berth image check"' });
    throw error;
  }
  return prepared;
}

/** Unmount and remove a container's rootfs; every step is tried and all failures are reported together. */
export async function releaseRootfs(paths: StatePaths, containerId: string): Promise<void> {
  const dir = containerDir(paths, containerId);
  const merged = path.join(dir, 'merged');
  const errors: Error[] = [];
  if (isMountPoint(merged)) {
    try {
      berthSys().umount2(merged, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EBUSY') {
        try {
          berthSys().umount2(merged, UnmountFlag.DETACH);
        } catch (detachError) {
          errors.push(asSystemError(detachError, `unmount ${merged}`));
        }
      } else {
        errors.push(asSystemError(error, `unmount ${merged}`));
      }
    }
  }
  // Never remove through a mount that is still there: that would delete image layers.
  if (errors.length === 0 && !isMountPoint(merged)) {
    try {
      // In the thread pool: ~3 ms of rmdir per container on ext4, which `down` of 50 would spend on the main thread.
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      errors.push(asSystemError(error, `remove ${dir}`));
    }
  }
  if (errors.length === 1 && errors[0]) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `releasing the rootfs of ${containerId} failed in ${errors.length} steps`);
}

/** Image IDs that prepared container rootfs use: the default "in use" answer of the image store. */
export async function imagesInUseByRootfs(paths: StatePaths): Promise<Set<string>> {
  const inUse = new Set<string>();
  let names: string[];
  try {
    names = await readdir(rootfsBaseDir(paths));
  } catch {
    return inUse;
  }
  for (const name of names) {
    try {
      const record = JSON.parse(await readFile(path.join(rootfsBaseDir(paths), name, 'rootfs.json'), 'utf8')) as { imageId?: string };
      if (record.imageId) inUse.add(record.imageId);
    } catch {
      // A directory without a record is not mounted from any image yet.
    }
  }
  return inUse;
}

/** True when `dir` is the root of a mount (its device differs from its parent's). */
function isMountPoint(dir: string): boolean {
  try {
    const self = lstatSync(dir);
    const parent = statSync(path.dirname(dir));
    return self.dev !== parent.dev || self.ino === parent.ino;
  } catch {
    return false;
  }
}

function asSystemError(error: unknown, operation: string): SystemError {
  return new SystemError(error instanceof Error ? error.message : String(error), operation, (error as NodeJS.ErrnoException).code, { cause: error });
}
