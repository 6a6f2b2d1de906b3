// A snapshot's upper dir as an OCI layer: a tar with whiteouts for deletions, stored as a blob and installed as a layer.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { SystemError } from '../errors.js';
import type { ImageStore } from '../image/image-store.js';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from '../image/layer-path.js';
import { MEDIA_TYPE, type Descriptor } from '../image/media-types.js';
import { tarEnd, tarHeader, tarPadding } from '../image/tar-writer.js';
import { berthSys } from '../native/berth-sys.js';
import { type LayerSnapshot, unmountSnapshot } from './layer-snapshot.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** A layer made by a build step. */
export interface BuiltLayer {
  diffId: string;
  descriptor: Descriptor;
}

/**
 * The tar of an overlay upper dir, in byte order of names: a 0/0 character device (overlay's
 * whiteout) becomes `.wh.<name>`, an opaque directory gets `.wh..wh..opq`, files seen before under
 * another name become hardlinks. Deterministic: the same tree gives the same DiffID.
 */
export async function* packUpperDir(
  upper: string,
  counts: PackCounts = { entries: 0, whiteouts: 0, fileBytes: 0 },
  skip?: (relative: string) => Promise<boolean>,
): AsyncGenerator<Buffer> {
  const seen = new Map<string, string>();
  yield* packChildren(upper, '', seen, counts, skip);
  yield tarEnd();
}

/** What a pack counted. */
export interface PackCounts {
  entries: number;
  whiteouts: number;
  fileBytes: number;
}

async function* packChildren(root: string, prefix: string, seen: Map<string, string>, counts: PackCounts, skip?: (relative: string) => Promise<boolean>): AsyncGenerator<Buffer> {
  const names = (await readdir(prefix === '' ? root : path.join(root, prefix))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const relative = prefix === '' ? name : `${prefix}/${name}`;
    if (skip && (await skip(relative))) continue;
    const absolute = path.join(root, relative);
    const info = await lstat(absolute);
    counts.entries += 1;
    const common = { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, mtime: Math.floor(info.mtimeMs / 1000) };
    if (info.isCharacterDevice() && Number(info.rdev) === 0) {
      counts.whiteouts += 1;
      const whiteout = prefix === '' ? `${WHITEOUT_PREFIX}${name}` : `${prefix}/${WHITEOUT_PREFIX}${name}`;
      yield tarHeader({ name: whiteout, type: 'file', size: 0, mode: 0o644, mtime: common.mtime });
      continue;
    }
    if (info.isDirectory()) {
      yield tarHeader({ ...common, name: `${relative}/`, type: 'directory' });
      if (isOpaque(absolute)) {
        counts.whiteouts += 1;
        yield tarHeader({ name: `${relative}/${OPAQUE_WHITEOUT}`, type: 'file', size: 0, mode: 0o644, mtime: common.mtime });
      }
      yield* packChildren(root, relative, seen, counts, skip);
      continue;
    }
    if (info.isSymbolicLink()) {
      yield tarHeader({ ...common, name: relative, type: 'symlink', linkname: await readlink(absolute) });
      continue;
    }
    if (info.isFile()) {
      const identity = `${info.dev}:${info.ino}`;
      const first = info.nlink > 1 ? seen.get(identity) : undefined;
      if (first !== undefined) {
        yield tarHeader({ ...common, name: relative, type: 'hardlink', linkname: first });
        continue;
      }
      if (info.nlink > 1) seen.set(identity, relative);
      counts.fileBytes += info.size;
      yield tarHeader({ ...common, name: relative, type: 'file', size: info.size });
      let read = 0;
      if (info.size > 0) {
        for await (const chunk of createReadStream(absolute, { start: 0, end: info.size - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
          read += chunk.length;
          yield chunk;
        }
      }
      if (read !== info.size) throw new SystemError(`${absolute} changed size while it was packed`, 'pack build layer');
      yield tarPadding(info.size);
      continue;
    }
    if (info.isFIFO()) yield tarHeader({ ...common, name: relative, type: 'fifo' });
    else if (info.isCharacterDevice() || info.isBlockDevice()) {
      const rdev = Number(info.rdev);
      const devmajor = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
      const devminor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
      yield tarHeader({ ...common, name: relative, type: info.isCharacterDevice() ? 'char' : 'block', devmajor, devminor });
    }
    // Sockets are not content, as GNU tar skips them.
  }
}

/**
 * Turn the snapshot's changes into a layer on top of `parentChainIds`: the tar goes into the blob store
 * (uncompressed: its digest is its DiffID) and the upper dir itself becomes the unpacked layer, so
 * nothing is unpacked again. Returns undefined when nothing changed. The snapshot dir is gone afterwards.
 */
export async function commitSnapshot(store: ImageStore, snapshot: LayerSnapshot): Promise<BuiltLayer | undefined> {
  unmountSnapshot(snapshot);
  try {
    await pruneUnchangedDirectories(snapshot.upper, [...snapshot.chainIds].reverse().map((chainId) => store.layers.diffDirOf(chainId)));
    if ((await readdir(snapshot.upper)).length === 0) return undefined;
    const counts: PackCounts = { entries: 0, whiteouts: 0, fileBytes: 0 };
    const tarHash = createHash('sha256');
    let tarSize = 0;
    const hashed = (async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of packUpperDir(snapshot.upper, counts)) {
        tarHash.update(chunk);
        tarSize += chunk.length;
        yield chunk;
      }
    })();
    const blob = await store.blobs.putComputed(hashed);
    const diffId = `sha256:${tarHash.digest('hex')}`;
    const chainId = nextChainId(snapshot.chainIds.at(-1), diffId);
    await Promise.all(['work', 'merged', 'empty'].map((sub) => rm(path.join(snapshot.dir, sub), { recursive: true, force: true })));
    await store.layers.install(
      { temp: snapshot.dir, result: { diffId, size: counts.fileBytes, tarSize, compressed: false, entries: counts.entries, whiteouts: counts.whiteouts } },
      { chainId, diffId, blob: blob.digest },
      diffId,
    );
    return { diffId, descriptor: { mediaType: MEDIA_TYPE.ociLayer, digest: blob.digest, size: blob.size } };
  } finally {
    await rm(snapshot.dir, { recursive: true, force: true });
  }
}

/**
 * Drop directories overlayfs copied up without a change that stayed: empty in the upper dir, not
 * opaque, and with the owner, mode and mtime they have below (a parent of a mount point the runtime
 * made and removed again, say). `lowerDirs` are topmost first.
 */
export async function pruneUnchangedDirectories(upper: string, lowerDirs: readonly string[]): Promise<void> {
  const visit = async (relative: string): Promise<boolean> => {
    const absolute = relative === '' ? upper : path.join(upper, relative);
    let empty = true;
    for (const name of await readdir(absolute)) {
      const child = relative === '' ? name : `${relative}/${name}`;
      const info = await lstat(path.join(upper, child));
      if (!info.isDirectory() || !(await visit(child))) empty = false;
    }
    if (relative === '' || !empty) return false;
    if (isOpaque(absolute)) return false;
    const mine = await lstat(absolute);
    const below = await lowerEntry(lowerDirs, relative);
    const same = below !== undefined && below.isDirectory() && below.mode === mine.mode && below.uid === mine.uid && below.gid === mine.gid && below.mtimeMs === mine.mtimeMs;
    if (same) await rmdir(absolute);
    return same;
  };
  await visit('');
}

/** The entry at `relative` in the topmost lower layer that has it (undefined when none has, or an opaque parent hides it). */
async function lowerEntry(lowerDirs: readonly string[], relative: string): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  const parent = path.dirname(relative);
  for (const dir of lowerDirs) {
    const info = await lstat(path.join(dir, relative)).catch(() => undefined);
    if (info) return info;
    if (parent !== '.' && isOpaque(path.join(dir, parent))) return undefined;
  }
  return undefined;
}

/** overlayfs marks a directory that hides everything below it with this xattr; a missing path is not opaque. */
function isOpaque(absolute: string): boolean {
  try {
    return berthSys().lgetxattr(absolute, OPAQUE_XATTR)?.toString() === 'y';
  } catch {
    return false;
  }
}

/** ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n)); the bottom layer's ChainID is its DiffID. */
export function nextChainId(parent: string | undefined, diffId: string): string {
  return parent === undefined ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}
