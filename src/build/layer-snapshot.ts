// A writable overlay of a layer stack in the image store's temp dir: what one build step changes lands in its upper dir.
import { mkdir, rm } from 'node:fs/promises';
import { lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { SystemError, UserError } from '../errors.js';
import type { ImageStore } from '../image/image-store.js';
import { berthSys, UnmountFlag } from '../native/berth-sys.js';

/** A mounted snapshot; `upper` alone holds what changed since it was mounted. */
export interface LayerSnapshot {
  /** `<images>/tmp/layer-<pid>-<random>`: a store temp dir, so a crashed build's leftovers are collected. */
  readonly dir: string;
  /** The merged view: the root filesystem a step works on. */
  readonly merged: string;
  /** `<dir>/diff`: laid out as the layer store keeps layers, so it can become one by a rename. */
  readonly upper: string;
  readonly work: string;
  /** ChainIDs below it, bottom first. */
  readonly chainIds: readonly string[];
}

/** mount(2) data is one page; beyond it the lowerdir list does not fit. */
const MOUNT_DATA_MAX = 4000;

/** Mount an overlay of `chainIds` (bottom first; none for `scratch`) with a fresh upper dir. */
export async function mountSnapshot(store: ImageStore, chainIds: readonly string[]): Promise<LayerSnapshot> {
  const dir = store.blobs.tempPath('layer');
  const snapshot: LayerSnapshot = { dir, merged: path.join(dir, 'merged'), upper: path.join(dir, 'diff'), work: path.join(dir, 'work'), chainIds: [...chainIds] };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await Promise.all([mkdir(snapshot.upper, { mode: 0o755 }), mkdir(snapshot.work, { mode: 0o700 }), mkdir(snapshot.merged, { mode: 0o755 })]);
  let lowerDirs = [...chainIds].reverse().map((chainId) => store.layers.diffDirOf(chainId));
  if (lowerDirs.length === 0) {
    // overlayfs needs a lower dir: `scratch` is an empty one.
    const empty = path.join(dir, 'empty');
    await mkdir(empty, { mode: 0o755 });
    lowerDirs = [empty];
  }
  // redirect_dir and metacopy off: every change must be whole in the upper dir to become a layer tar.
  const data = `lowerdir=${lowerDirs.join(':')},upperdir=${snapshot.upper},workdir=${snapshot.work},redirect_dir=off,metacopy=off`;
  try {
    if (data.length > MOUNT_DATA_MAX) {
      throw new UserError(`the build has too many layers for one overlay mount (${chainIds.length} layers)`, { hint: 'merge RUN instructions with && to make fewer layers' });
    }
    berthSys().mount('overlay', snapshot.merged, 'overlay', 0, data);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new SystemError(error instanceof Error ? error.message : String(error), `mount build snapshot on ${snapshot.merged}`, code, { cause: error });
  }
  return snapshot;
}

/** Unmount the merged view (the upper dir stays); safe to call twice. */
export function unmountSnapshot(snapshot: LayerSnapshot): void {
  if (!isMountPoint(snapshot.merged)) return;
  try {
    berthSys().umount2(snapshot.merged, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw asSystemError(error, `unmount ${snapshot.merged}`);
    berthSys().umount2(snapshot.merged, UnmountFlag.DETACH);
  }
}

/** Unmount and remove everything of the snapshot. */
export async function discardSnapshot(snapshot: LayerSnapshot): Promise<void> {
  unmountSnapshot(snapshot);
  // Never remove through a mount that is still there: that would reach into the layers below.
  if (isMountPoint(snapshot.merged)) throw new SystemError(`${snapshot.merged} is still mounted`, 'discard build snapshot');
  await rm(snapshot.dir, { recursive: true, force: true });
}

/** Run `work` on a fresh snapshot that is always discarded afterwards (a read view of a stage or image). */
export async function withSnapshot<T>(store: ImageStore, chainIds: readonly string[], work: (snapshot: LayerSnapshot) => Promise<T>): Promise<T> {
  const snapshot = await mountSnapshot(store, chainIds);
  try {
    return await work(snapshot);
  } finally {
    await discardSnapshot(snapshot);
  }
}

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
