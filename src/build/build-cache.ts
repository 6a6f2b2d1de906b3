// The layer cache: one small record per step key under <root>/build/cache, naming the layer the step made.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageStore } from '../image/image-store.js';
import type { Descriptor } from '../image/media-types.js';
import { writeJsonAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';

/** What a step left: when it ran, and its layer if it made one. */
export interface CacheRecord {
  created: string;
  layer?: { diffId: string; descriptor: Descriptor; chainId: string } | undefined;
}

/**
 * Step keys chain as the seeds describe Docker's cache: a step's key is its parent's key plus the
 * instruction (and, for COPY/ADD, the digest of the files copied); the key after the step adds the
 * DiffID it produced, so the next step's key changes whenever this one's content did.
 */
export function stepKey(parentKey: string, descriptor: string): string {
  return `sha256:${createHash('sha256').update(`${parentKey}\n${descriptor}`).digest('hex')}`;
}

export function keyAfterStep(stepKeyValue: string, diffId: string | undefined): string {
  return `sha256:${createHash('sha256').update(`${stepKeyValue}\n${diffId ?? 'no layer'}`).digest('hex')}`;
}

export class BuildCache {
  private readonly dir: string;

  constructor(
    paths: StatePaths,
    private readonly store: ImageStore,
  ) {
    this.dir = path.join(paths.root, 'build', 'cache');
  }

  private fileOf(key: string): string {
    return path.join(this.dir, `${key.replace(/^sha256:/, '')}.json`);
  }

  /** The record of `key` when its layer (blob and unpacked layer) is still in the store. */
  async lookup(key: string): Promise<CacheRecord | undefined> {
    let record: CacheRecord;
    try {
      record = JSON.parse(await readFile(this.fileOf(key), 'utf8')) as CacheRecord;
    } catch {
      return undefined;
    }
    if (typeof record.created !== 'string') return undefined;
    if (record.layer) {
      // `image prune` may have collected a layer no image used: then the step runs again.
      const present = (await this.store.blobs.has(record.layer.descriptor.digest)) && (await this.store.layers.has(record.layer.chainId));
      if (!present) return undefined;
    }
    return record;
  }

  async save(key: string, record: CacheRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeJsonAtomic(this.fileOf(key), record, { durable: false });
  }
}
