// Unpack one untrusted layer tar into an empty directory as an overlayfs layer, never writing outside it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeSync,
  chmodSync,
  chownSync,
} from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SystemError } from '../errors.js';
import { S_IFCHR, berthSys } from '../native/berth-sys.js';
import { LayerPathError, baseNameOf, classifyWhiteout, parentOf, safeLayerPath } from './layer-path.js';
import { DEFAULT_TAR_LIMITS, LayerFormatError, type TarEntry, type TarLimits, TarReader } from './tar-reader.js';

const S_IFIFO = 0o010000;
const OPAQUE_XATTR = 'trusted.overlay.opaque';
const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface UnpackResult {
  /** sha256 of the uncompressed tar: the layer's DiffID. */
  diffId: string;
  /** Bytes of regular-file data written. */
  size: number;
  /** Bytes of the uncompressed tar stream (what `image save` writes as the layer). */
  tarSize: number;
  /** Whether the blob was gzip or zstd (rather than a plain tar). */
  compressed: boolean;
  entries: number;
  whiteouts: number;
}

export interface UnpackOptions {
  limits?: TarLimits;
  /**
   * The DiffID the caller has already verified the uncompressed stream against (a plain-tar blob whose
   * digest is its DiffID, checked when it entered the blob store): hashing again is skipped.
   */
  verifiedDiffId?: string;
  /**
   * The caller hashes these same bytes as the blob (an archive being read): when the stream turns out to
   * be an uncompressed tar, its DiffID is that blob digest and is not computed here (`diffId` is '').
   */
  plainDiffIdIsBlobDigest?: boolean;
}

/** The uncompressed bytes of a layer blob: gzip is recognised by its magic number, plain tar passes through. */
export async function* decompressLayer(
  source: AsyncIterable<Uint8Array>,
  onFormat?: (format: 'gzip' | 'zstd' | 'tar') => void,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  const rest = (async function* (): AsyncGenerator<Uint8Array> {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  if (head[0] === 0x1f && head[1] === 0x8b) {
    onFormat?.('gzip');
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const feeding = pipeline(Readable.from(rest), gunzip).catch((error: unknown) => {
      gunzip.destroy(error instanceof Error ? error : new Error(String(error)));
    });
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      throw new LayerFormatError(`layer is not valid gzip: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      gunzip.destroy();
      await feeding;
    }
    return;
  }
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    onFormat?.('zstd');
    yield* unzstd(rest);
    return;
  }
  onFormat?.('tar');
  yield* rest;
}

/** zstd through the `zstd` tool (Node 20's zlib has no zstd): one process per layer, not per file. */
async function* unzstd(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const feeding = pipeline(Readable.from(source), child.stdin).catch(() => undefined);
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited.catch((error: unknown) => {
      throw new LayerFormatError(`layer is zstd-compressed and the zstd tool could not run: ${error instanceof Error ? error.message : String(error)}`, {
        hint: 'install zstd (Debian package "zstd"), or load a gzip copy of the image',
      });
    });
    if (code !== 0) throw new LayerFormatError(`layer is not valid zstd: ${stderr.trim() || `zstd exited with ${code}`}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await feeding;
  }
}

/**
 * Unpack `source` (a gzip or plain layer tar) into `root`, an empty directory. Whiteouts become overlay
 * whiteouts (char 0:0), opaque markers the `trusted.overlay.opaque` xattr. Throws on any entry that
 * would escape `root`, on devices, and beyond the limits; the caller removes `root` then.
 */
export async function unpackLayer(source: AsyncIterable<Uint8Array>, root: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  let hash = options.verifiedDiffId === undefined ? createHash('sha256') : undefined;
  let compressed = false;
  const onFormat = (format: 'gzip' | 'zstd' | 'tar'): void => {
    compressed = format !== 'tar';
    if (!compressed && options.plainDiffIdIsBlobDigest) hash = undefined;
  };
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of decompressLayer(source, onFormat)) {
      hash?.update(chunk);
      yield chunk;
    }
  }
  const reader = new TarReader(hashed(), options.limits ?? DEFAULT_TAR_LIMITS);
  const writer = new LayerWriter(root);
  let entries = 0;
  for (let entry = await reader.next(); entry; entry = await reader.next()) {
    entries += 1;
    if (entry.kind === 'file') await writer.file(entry, reader.data());
    else writer.other(entry);
  }
  writer.finish();
  const diffId = hash ? `sha256:${hash.digest('hex')}` : (options.verifiedDiffId ?? '');
  return { diffId, size: writer.bytes, tarSize: reader.bytes.consumed, compressed, entries, whiteouts: writer.whiteouts };
}

/** The filesystem side: every path goes through `safeLayerPath` and a parent check that refuses symlinks. */
class LayerWriter {
  /** Relative paths known to be real directories we made or checked ('' is the root). */
  private readonly directories = new Set<string>(['']);
  private readonly directoryTimes: { absolute: string; mtime: number }[] = [];
  bytes = 0;
  whiteouts = 0;
  private readonly umask = process.umask();
  private readonly ownUid = process.getuid?.() ?? 0;
  private readonly ownGid = process.getgid?.() ?? 0;

  constructor(private readonly root: string) {}

  async file(entry: TarEntry, data: AsyncIterable<Buffer>): Promise<void> {
    const relative = this.place(entry);
    if (relative === undefined) return;
    const absolute = this.absolute(relative);
    // Created with its permission bits, so the common root-owned file needs neither fchown nor fchmod.
    const createMode = entry.mode & 0o777;
    let fd: number;
    try {
      fd = openSync(absolute, FILE_FLAGS, createMode);
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw systemError(error, 'create file', relative);
      this.removeExisting(relative);
      fd = openSync(absolute, FILE_FLAGS, createMode);
    }
    try {
      for await (const piece of data) {
        let offset = 0;
        while (offset < piece.length) offset += writeSync(fd, piece, offset, piece.length - offset);
      }
      this.bytes += entry.size;
      const owned = entry.uid !== this.ownUid || entry.gid !== this.ownGid;
      if (owned) fchownSync(fd, entry.uid, entry.gid);
      // chown clears setuid/setgid, so the mode comes after it; the umask may have cut bits too.
      if (owned || entry.mode !== (createMode & ~this.umask)) fchmodSync(fd, entry.mode);
      futimesSync(fd, entry.mtime, entry.mtime);
    } finally {
      closeSync(fd);
    }
    this.applyXattrs(absolute, entry);
  }

  other(entry: TarEntry): void {
    const relative = this.place(entry);
    if (relative === undefined) return;
    const absolute = this.absolute(relative);
    switch (entry.kind) {
      case 'directory':
        return this.directory(relative, absolute, entry);
      case 'symlink':
        this.create(relative, () => symlinkSync(entry.linkname, absolute));
        lchownSync(absolute, entry.uid, entry.gid);
        lutimesSync(absolute, entry.mtime, entry.mtime);
        return;
      case 'hardlink': {
        const target = safeLayerPath(entry.linkname, 'hardlink target');
        if (target === '' || !this.parentIsSafe(target)) {
          throw new LayerPathError(`layer hardlink "${entry.name}" points at "${entry.linkname}", which is not a file inside the layer`);
        }
        this.create(relative, () => {
          try {
            linkSync(this.absolute(target), absolute);
          } catch (error) {
            if (isCode(error, 'ENOENT') || isCode(error, 'EPERM')) {
              throw new LayerPathError(`layer hardlink "${entry.name}" points at "${entry.linkname}", which is not an earlier file of the layer`);
            }
            throw error;
          }
        });
        return;
      }
      case 'fifo':
        this.create(relative, () => berthSys().mknod(absolute, S_IFIFO | entry.mode, 0, 0));
        chownSync(absolute, entry.uid, entry.gid);
        chmodSync(absolute, entry.mode);
        utimesSync(absolute, entry.mtime, entry.mtime);
        return;
      case 'char':
        // A char 0:0 is already an overlay whiteout (some tools write them); any other device is refused.
        if (entry.devmajor === 0 && entry.devminor === 0) return this.whiteout(relative);
        throw new LayerPathError(`layer contains a character device "${entry.name}" (${entry.devmajor}:${entry.devminor}); berth does not unpack devices`);
      case 'block':
        throw new LayerPathError(`layer contains a block device "${entry.name}" (${entry.devmajor}:${entry.devminor}); berth does not unpack devices`);
      case 'file':
        throw new Error('regular files go through file()');
    }
  }

  /** Set the times of the directories last: writing their children changed them. */
  finish(): void {
    for (const { absolute, mtime } of this.directoryTimes) utimesSync(absolute, mtime, mtime);
  }

  /** The entry's clean relative path with its parent made, or undefined when it was a whiteout (handled). */
  private place(entry: TarEntry): string | undefined {
    const relative = safeLayerPath(entry.name);
    if (relative === '') {
      if (entry.kind !== 'directory') throw new LayerPathError(`layer entry "${entry.name}" names the layer root but is not a directory`);
      return relative;
    }
    const parent = parentOf(relative);
    this.ensureDirectory(parent);
    const whiteout = classifyWhiteout(baseNameOf(relative));
    switch (whiteout.kind) {
      case 'none':
        return relative;
      case 'opaque':
        berthSys().lsetxattr(this.absolute(parent), OPAQUE_XATTR, 'y', 0);
        return undefined;
      case 'whiteout':
        this.whiteout(parent === '' ? whiteout.hides : `${parent}/${whiteout.hides}`);
        return undefined;
      case 'aufs-meta':
        return undefined;
    }
  }

  private whiteout(relative: string): void {
    const absolute = this.absolute(relative);
    this.create(relative, () => berthSys().mknod(absolute, S_IFCHR, 0, 0));
    this.whiteouts += 1;
  }

  private directory(relative: string, absolute: string, entry: TarEntry): void {
    if (relative !== '') {
      try {
        mkdirSync(absolute, 0o700);
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw systemError(error, 'create directory', relative);
        if (!lstatSync(absolute).isDirectory()) {
          this.removeExisting(relative);
          mkdirSync(absolute, 0o700);
        }
      }
      this.directories.add(relative);
    }
    chownSync(absolute, entry.uid, entry.gid);
    chmodSync(absolute, entry.mode);
    this.applyXattrs(absolute, entry);
    this.directoryTimes.push({ absolute, mtime: entry.mtime });
  }

  /** Run `make`; when the name exists already (a later entry wins in tar), remove it and retry once. */
  private create(relative: string, make: () => void): void {
    try {
      make();
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error instanceof LayerPathError ? error : systemError(error, 'create', relative);
      this.removeExisting(relative);
      make();
    }
  }

  private removeExisting(relative: string): void {
    const absolute = this.absolute(relative);
    if (lstatSync(absolute).isDirectory()) {
      rmSync(absolute, { recursive: true, force: true });
      for (const known of this.directories) if (known === relative || known.startsWith(`${relative}/`)) this.directories.delete(known);
    } else {
      rmSync(absolute, { force: true });
    }
  }

  /** Make `relative` a real directory, refusing a symlink or a file in its place (or above it). */
  private ensureDirectory(relative: string): void {
    if (this.directories.has(relative)) return;
    this.ensureDirectory(parentOf(relative));
    const absolute = this.absolute(relative);
    try {
      mkdirSync(absolute, 0o755);
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw systemError(error, 'create directory', relative);
      const stat = lstatSync(absolute);
      if (stat.isSymbolicLink()) throw new LayerPathError(`layer writes through "${relative}", a symlink; berth does not follow symlinks while unpacking`);
      if (!stat.isDirectory()) throw new LayerPathError(`layer writes below "${relative}", which is not a directory`);
    }
    this.directories.add(relative);
  }

  /** True when every parent of `relative` is a directory we know (no symlink on the way). */
  private parentIsSafe(relative: string): boolean {
    for (let parent = parentOf(relative); ; parent = parentOf(parent)) {
      if (!this.directories.has(parent)) return false;
      if (parent === '') return true;
    }
  }

  private applyXattrs(absolute: string, entry: TarEntry): void {
    for (const [name, value] of entry.xattrs) {
      // File capabilities and user attributes carry meaning for the image; trusted.* would steer overlayfs itself.
      if (name === 'security.capability' || name.startsWith('user.')) berthSys().lsetxattr(absolute, name, value, 0);
    }
  }

  private absolute(relative: string): string {
    return relative === '' ? this.root : path.join(this.root, relative);
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

function systemError(error: unknown, operation: string, relative: string): SystemError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new SystemError(error instanceof Error ? error.message : String(error), `unpack layer: ${operation} ${relative}`, code, { cause: error });
}
