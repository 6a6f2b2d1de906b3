// Unpacked layers by ChainID under <root>/images/layers/<hex>/{diff,layer.json}, made once and shared.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic-write.js';
import type { ImageStoreLayout } from './blob-store.js';
import { digestHex, storeTempName } from './blob-store.js';
import { type UnpackOptions, type UnpackResult, unpackLayer } from './layer-unpack.js';
import { DEFAULT_TAR_LIMITS, type TarLimits } from './tar-reader.js';

/** What `layer.json` records beside an unpacked layer. */
export interface LayerRecord {
  chainId: string;
  diffId: string;
  /** The blob it was unpacked from (compressed digest). */
  blob: string;
  size: number;
  /** Bytes of the uncompressed layer tar. */
  tarSize: number;
  entries: number;
}

/** A layer unpacked into a temp dir of the store, not yet installed under its ChainID. */
export interface UnpackedLayer {
  temp: string;
  result: UnpackResult;
}

/** A layer whose uncompressed content does not match the image config's DiffID. */
export class LayerDigestError extends UserError {}

/** ChainIDs of a layer stack, bottom first (OCI image spec: ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n))). */
export function chainIdsOf(diffIds: readonly string[]): string[] {
  const chain: string[] = [];
  for (const diffId of diffIds) {
    const previous = chain.at(-1);
    chain.push(previous === undefined ? diffId : `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}`);
  }
  return chain;
}

export class LayerStore {
  constructor(
    readonly layout: ImageStoreLayout,
    readonly limits: TarLimits = DEFAULT_TAR_LIMITS,
  ) {}

  dirOf(chainId: string): string {
    return path.join(this.layout.layersDir, digestHex(chainId));
  }

  /** The directory overlayfs uses as a lower layer. */
  diffDirOf(chainId: string): string {
    return path.join(this.dirOf(chainId), 'diff');
  }

  async has(chainId: string): Promise<boolean> {
    try {
      // The rename of a finished temp dir is the completion mark: a present directory is complete.
      await access(this.dirOf(chainId));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Unpack `data` (the blob `blob`) as the layer `chainId` unless it exists. Unpacks into a temp dir,
   * checks the DiffID, then renames; on any error the temp dir is removed and nothing is visible.
   */
  async ensure(
    layer: { chainId: string; diffId: string; blob: string },
    data: () => AsyncIterable<Uint8Array>,
    options: { verifiedDiffId?: string } = {},
  ): Promise<LayerRecord> {
    const existing = await this.record(layer.chainId);
    if (existing) return existing;
    const unpacked = await this.unpackToTemp(data(), options);
    return this.install(unpacked, layer);
  }

  /** Unpack into a fresh temp dir of the store (not yet a layer); on error nothing is left. */
  async unpackToTemp(data: AsyncIterable<Uint8Array>, options: Omit<UnpackOptions, 'limits'> = {}): Promise<UnpackedLayer> {
    const temp = path.join(this.layout.tempDir, storeTempName('layer'));
    await mkdir(path.join(temp, 'diff'), { recursive: true, mode: 0o700 });
    try {
      return { temp, result: await unpackLayer(data, path.join(temp, 'diff'), { ...options, limits: this.limits }) };
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (error instanceof UserError) throw error.with({ hint: error.hint ?? 'the layer was refused; nothing of it was kept' });
      throw error;
    }
  }

  /**
   * Make an unpacked temp dir the layer `chainId` once its DiffID matches (`diffId` overrides the computed
   * one when the caller verified it another way). The temp dir is gone afterwards, whatever happens.
   */
  async install(unpacked: UnpackedLayer, layer: { chainId: string; diffId: string; blob: string }, verifiedDiffId?: string): Promise<LayerRecord> {
    const { temp, result } = unpacked;
    try {
      const actual = verifiedDiffId ?? result.diffId;
      if (actual !== layer.diffId) {
        throw new LayerDigestError(`layer ${layer.blob} unpacks to ${actual}, but the image config says ${layer.diffId}`);
      }
      const record: LayerRecord = { ...layer, size: result.size, tarSize: result.tarSize, entries: result.entries };
      await writeJsonAtomic(path.join(temp, 'layer.json'), record, { durable: false });
      try {
        await rename(temp, this.dirOf(layer.chainId));
      } catch (error) {
        // Someone else finished the same layer first: theirs is as good as ours.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      }
      return record;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  async record(chainId: string): Promise<LayerRecord | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.dirOf(chainId), 'layer.json'), 'utf8')) as LayerRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** ChainIDs of every unpacked layer. */
  async list(): Promise<string[]> {
    const names = await readdir(this.layout.layersDir);
    return names.filter((name) => /^[a-f0-9]{64}$/.test(name)).map((name) => `sha256:${name}`);
  }

  async remove(chainId: string): Promise<void> {
    // Rename first so a kill mid-removal never leaves a half-deleted layer under its real name.
    const doomed = path.join(this.layout.tempDir, storeTempName('removed'));
    try {
      await rename(this.dirOf(chainId), doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rm(doomed, { recursive: true, force: true });
  }
}

