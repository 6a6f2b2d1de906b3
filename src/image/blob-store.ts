// Content-addressed blob files under <root>/images/blobs/sha256/<hex>, verified before they become visible.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SystemError, UserError } from '../errors.js';
import type { StatePaths } from '../state/paths.js';
import { isProcessRunning } from '../state/process-alive.js';
import type { BlobStore } from './image-store-interface.js';

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;

/** A blob whose content does not match the digest or size it was announced with. */
export class BlobVerificationError extends UserError {}

/** Where the image store keeps its parts; everything lives on one filesystem so renames are atomic. */
export interface ImageStoreLayout {
  readonly imagesDir: string;
  readonly blobsDir: string;
  readonly layersDir: string;
  /** Temp files and half-made directories (same filesystem as the rest); `prune` removes stale ones. */
  readonly tempDir: string;
  readonly indexFile: string;
  readonly lockFile: string;
}

export function imageStoreLayout(paths: StatePaths): ImageStoreLayout {
  const imagesDir = path.join(paths.root, 'images');
  return {
    imagesDir,
    blobsDir: path.join(imagesDir, 'blobs', 'sha256'),
    layersDir: path.join(imagesDir, 'layers'),
    tempDir: path.join(imagesDir, 'tmp'),
    indexFile: path.join(imagesDir, 'references.json'),
    lockFile: path.join(imagesDir, 'references.lock'),
  };
}

/** The hex part of a `sha256:<hex>` digest; anything else (other algorithms, path tricks) is refused. */
export function digestHex(digest: string): string {
  const match = SHA256_DIGEST.exec(digest);
  if (!match?.[1]) {
    throw new UserError(`invalid digest "${digest}": expected sha256: followed by 64 lowercase hex digits`);
  }
  return match[1];
}

export function isSha256Digest(text: string): boolean {
  return SHA256_DIGEST.test(text);
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface BlobStoreOptions {
  /** fsync each blob before its rename (survives power cuts, costs time on large layers; default false). */
  durable?: boolean;
}

/** Blob files in the store's layout. Create with `openBlobStore`. */
export class FileBlobStore implements BlobStore {
  constructor(
    readonly layout: ImageStoreLayout,
    private readonly options: BlobStoreOptions = {},
  ) {}

  pathOf(digest: string): string {
    return path.join(this.layout.blobsDir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      await access(this.pathOf(digest));
      return true;
    } catch {
      return false;
    }
  }

  async put(expected: { digest: string; size: number }, data: AsyncIterable<Uint8Array>): Promise<void> {
    const target = this.pathOf(expected.digest);
    if (!Number.isSafeInteger(expected.size) || expected.size < 0) {
      throw new UserError(`invalid size ${expected.size} for blob ${expected.digest}`);
    }
    if (await this.has(expected.digest)) {
      // Present already: do not read the data, but let its source (a socket, a file) close.
      await data[Symbol.asyncIterator]().return?.();
      return;
    }
    const temp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    async function* verified(): AsyncGenerator<Uint8Array> {
      for await (const chunk of data) {
        size += chunk.byteLength;
        // Stop reading as soon as the source says more than announced: a hostile server cannot fill the disk.
        if (size > expected.size) {
          throw new BlobVerificationError(`blob ${expected.digest} is larger than its declared size ${expected.size}`);
        }
        hash.update(chunk);
        yield chunk;
      }
    }
    try {
      await pipeline(Readable.from(verified(), { objectMode: false }), createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: this.options.durable === true }));
      if (size !== expected.size) {
        throw new BlobVerificationError(`blob ${expected.digest} is truncated: got ${size} of ${expected.size} bytes`);
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== expected.digest) {
        throw new BlobVerificationError(`blob digest mismatch: expected ${expected.digest}, content is ${actual}`);
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Store a stream whose digest is not known in advance (an archive's files): named by what it hashes to. */
  async putComputed(data: AsyncIterable<Uint8Array>): Promise<{ digest: string; size: number; created: boolean }> {
    const temp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of data) {
        size += chunk.byteLength;
        hash.update(chunk);
        yield chunk;
      }
    }
    try {
      await pipeline(Readable.from(counted(), { objectMode: false }), createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: this.options.durable === true }));
      const digest = `sha256:${hash.digest('hex')}`;
      const created = !(await this.has(digest));
      await rename(temp, this.pathOf(digest));
      return { digest, size, created };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Remove a blob (the caller knows no image uses it). */
  async remove(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  async putBytes(data: Uint8Array): Promise<{ digest: string; size: number }> {
    const descriptor = { digest: sha256Digest(data), size: data.byteLength };
    await this.put(descriptor, oneChunk(data));
    return descriptor;
  }

  async read(digest: string): Promise<Buffer> {
    const file = this.pathOf(digest);
    try {
      return await readFile(file);
    } catch (error) {
      throw missingBlob(digest, error);
    }
  }

  async *stream(digest: string): AsyncIterable<Uint8Array> {
    const file = this.pathOf(digest);
    try {
      await access(file);
    } catch (error) {
      throw missingBlob(digest, error);
    }
    yield* createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  }

  /** Hash a stored blob again; true when its content still matches its name. */
  async verify(digest: string): Promise<boolean> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.pathOf(digest), { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    return `sha256:${hash.digest('hex')}` === digest;
  }

  /** A fresh path in the store's temp directory (same filesystem as the blobs). */
  tempPath(label = 'blob'): string {
    return path.join(this.layout.tempDir, storeTempName(label));
  }
}

/** `<label>-<pid>-<random>`: the pid says whether the writer is still alive, so leftovers of a kill can be told apart. */
export function storeTempName(label: string): string {
  return `${label}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** True when a temp entry's writer is gone (killed, crashed), or the name is not one of ours. */
export function isAbandonedTempName(name: string): boolean {
  const match = /^[a-z]+-(\d+)-[a-f0-9]+$/.exec(name);
  if (!match?.[1]) return true;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  return !isProcessRunning(pid);
}

async function* oneChunk(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

function missingBlob(digest: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`blob ${digest} is not in the image store`);
  return new SystemError(String(error), `read blob ${digest}`, code, { cause: error });
}

/** Make the store's directories and return its blob side. */
export async function openBlobStore(paths: StatePaths, options: BlobStoreOptions = {}): Promise<FileBlobStore> {
  const layout = imageStoreLayout(paths);
  for (const dir of [layout.blobsDir, layout.layersDir, layout.tempDir]) await mkdir(dir, { recursive: true, mode: 0o700 });
  return new FileBlobStore(layout, options);
}
