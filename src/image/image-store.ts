// The image store: blobs, unpacked layers and the reference index under <root>/images.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError, ValueError } from '../errors.js';
import type { StatePaths } from '../state/paths.js';
import type { FileBlobStore} from './blob-store.js';
import { type BlobStoreOptions, isAbandonedTempName, isSha256Digest, openBlobStore } from './blob-store.js';
import type { ImageCommitter, ImageRecord } from './image-store-interface.js';
import { LayerStore, chainIdsOf } from './layer-store.js';
import { type ImageConfig, type ImageManifest, MEDIA_TYPE, isManifestMediaType } from './media-types.js';
import { type IndexedImage, type ReferenceIndex, readIndex, updateIndex } from './reference-index.js';
import { type ImageReference, formatImageReference, parseImageReference, repositoryName } from './reference.js';
import { imagesInUseByRootfs } from './rootfs.js';
import { DEFAULT_TAR_LIMITS, type TarLimits } from './tar-reader.js';

/** Whether a container still uses an image (the runtime answers; until then nothing is in use). */
export type ImageInUse = (image: ImageRecord) => boolean | Promise<boolean>;

export interface ImageStoreOptions extends BlobStoreOptions {
  limits?: Partial<TarLimits>;
  inUse?: ImageInUse;
  /** Layers unpacked at the same time during a commit (default 3). */
  unpackConcurrency?: number;
}

const LAYER_MEDIA_TYPES = new Set<string>([
  MEDIA_TYPE.ociLayer,
  MEDIA_TYPE.ociLayerGzip,
  MEDIA_TYPE.ociLayerNondistributableGzip,
  MEDIA_TYPE.dockerLayerGzip,
  MEDIA_TYPE.dockerForeignLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.docker.image.rootfs.diff.tar',
]);

/** What `remove` did: references dropped, and whether the image itself went. */
export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

export interface PruneResult {
  deletedImages: string[];
  reclaimedBytes: number;
}

export class ImageStore implements ImageCommitter {
  readonly layers: LayerStore;

  constructor(
    readonly blobs: FileBlobStore,
    private readonly options: ImageStoreOptions = {},
  ) {
    this.layers = new LayerStore(blobs.layout, { ...DEFAULT_TAR_LIMITS, ...options.limits });
  }

  get layout(): FileBlobStore['layout'] {
    return this.blobs.layout;
  }

  async commit(manifestDigest: string, options: { reference?: ImageReference; repoDigest?: string } = {}): Promise<ImageRecord> {
    const manifest = await this.readManifest(manifestDigest);
    const config = await this.readConfig(manifest);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new UserError(`image ${manifestDigest} has ${manifest.layers.length} layers but its config lists ${diffIds.length} diff_ids`);
    }
    for (const layer of manifest.layers) {
      if (!LAYER_MEDIA_TYPES.has(layer.mediaType) && layer.mediaType !== MEDIA_TYPE.ociLayerZstd) {
        throw new UserError(`image ${manifestDigest} has a layer of unknown media type "${layer.mediaType}"`);
      }
      if (!(await this.blobs.has(layer.digest))) throw new UserError(`layer blob ${layer.digest} of image ${manifestDigest} is not in the store`);
    }
    const chainIds = chainIdsOf(diffIds);
    await forEachLimited(manifest.layers, this.options.unpackConcurrency ?? 3, async (layer, i) => {
      const diffId = diffIds[i] ?? '';
      const chainId = chainIds[i] ?? '';
      await this.layers.ensure({ chainId, diffId, blob: layer.digest }, () => this.blobs.stream(layer.digest), {
        // A plain-tar blob whose digest is its DiffID was verified when it entered the blob store.
        ...(layer.digest === diffId ? { verifiedDiffId: diffId } : {}),
      });
    });
    const now = new Date().toISOString();
    await updateIndex(this.layout.indexFile, this.layout.lockFile, (index) => {
      const image: IndexedImage = index.images[manifestDigest] ?? { id: manifest.config.digest, repoDigests: [], added: now };
      if (options.repoDigest && !image.repoDigests.includes(options.repoDigest)) image.repoDigests.push(options.repoDigest);
      if (options.reference) {
        index.references[formatImageReference(options.reference)] = manifestDigest;
        if (options.reference.tag !== undefined) image.lastTagTime = now;
      }
      index.images[manifestDigest] = image;
      return { index, result: undefined };
    });
    const record = await this.find(manifestDigest);
    if (!record) throw new Error(`image ${manifestDigest} vanished right after its commit`);
    return record;
  }

  async find(referenceOrId: string): Promise<ImageRecord | undefined> {
    const index = await readIndex(this.layout.indexFile);
    const manifestDigest = resolveInIndex(index, referenceOrId);
    return manifestDigest === undefined ? undefined : this.recordOf(index, manifestDigest);
  }

  /** Like `find`, but a missing image is a UserError naming what was asked for. */
  async get(referenceOrId: string): Promise<ImageRecord> {
    const record = await this.find(referenceOrId);
    if (!record) throw new UserError(`no such image: ${referenceOrId}`, { hint: 'list images with "berth image ls"' });
    return record;
  }

  async list(): Promise<ImageRecord[]> {
    const index = await readIndex(this.layout.indexFile);
    const records = await Promise.all(Object.keys(index.images).map((digest) => this.recordOf(index, digest)));
    return records.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.id.localeCompare(b.id));
  }

  /**
   * Docker's `image rm`: a reference that is not the image's last one is only untagged; otherwise the
   * image goes, with the blobs and layers no other image uses. An image in use is refused unless `force`,
   * and even then only loses its references (the container keeps its layers).
   */
  async remove(referenceOrId: string, options: { force?: boolean } = {}): Promise<RemoveResult> {
    const record = await this.get(referenceOrId);
    const byName = !looksLikeId(referenceOrId);
    const named = byName ? formatImageReference(parseReference(referenceOrId)) : undefined;
    const inUse = (await this.options.inUse?.(record)) ?? false;
    if (inUse && !options.force) {
      throw new UserError(`image ${referenceOrId} is used by a container`, { hint: 'remove the container first, or use -f to remove only its references' });
    }
    if (!byName && record.references.length > 1 && !options.force) {
      throw new UserError(`image ${referenceOrId} is referenced by ${record.references.length} names (${record.references.join(', ')})`, {
        hint: 'remove it by name, or use -f',
      });
    }
    const result = await updateIndex(this.layout.indexFile, this.layout.lockFile, (index) => {
      const untagged: string[] = [];
      const drop = named !== undefined && record.references.length > 1 ? [named] : record.references;
      for (const reference of drop) {
        if (index.references[reference] === record.manifestDigest) {
          delete index.references[reference];
          untagged.push(reference);
        }
      }
      const left = Object.values(index.references).some((digest) => digest === record.manifestDigest);
      const deleted = !left && !inUse ? [record.manifestDigest] : [];
      if (deleted.length > 0) delete index.images[record.manifestDigest];
      return { index, result: { untagged, deleted } };
    });
    if (result.deleted.length > 0) await this.collectGarbage();
    return result;
  }

  /** Remove images without references (all unused images with `all`), then unused blobs, layers and stale temp files. */
  async prune(options: { all?: boolean } = {}): Promise<PruneResult> {
    const candidates = (await this.list()).filter((image) => options.all || image.references.length === 0);
    const unused: string[] = [];
    for (const image of candidates) if (!((await this.options.inUse?.(image)) ?? false)) unused.push(image.manifestDigest);
    const deletedImages = await updateIndex(this.layout.indexFile, this.layout.lockFile, (index) => {
      for (const digest of unused) {
        delete index.images[digest];
        for (const [reference, target] of Object.entries(index.references)) if (target === digest) delete index.references[reference];
      }
      return { index, result: unused };
    });
    return { deletedImages, reclaimedBytes: await this.collectGarbage() };
  }

  /** Delete blobs and layers no image in the index uses, and temp files of writers that are gone; the bytes freed. */
  async collectGarbage(): Promise<number> {
    const index = await readIndex(this.layout.indexFile);
    const keepBlobs = new Set<string>();
    const keepLayers = new Set<string>();
    for (const digest of Object.keys(index.images)) {
      keepBlobs.add(digest);
      try {
        const manifest = await this.readManifest(digest);
        keepBlobs.add(manifest.config.digest);
        for (const layer of manifest.layers) keepBlobs.add(layer.digest);
        for (const chainId of chainIdsOf((await this.readConfig(manifest)).rootfs.diff_ids)) keepLayers.add(chainId);
      } catch {
        // A broken image keeps what it names; `check` reports it.
      }
    }
    let freed = 0;
    for (const name of await readdir(this.layout.blobsDir)) {
      if (keepBlobs.has(`sha256:${name}`)) continue;
      const file = path.join(this.layout.blobsDir, name);
      freed += (await stat(file)).size;
      await rm(file, { force: true });
    }
    for (const chainId of await this.layers.list()) {
      if (keepLayers.has(chainId)) continue;
      freed += (await this.layers.record(chainId))?.size ?? 0;
      await this.layers.remove(chainId);
    }
    for (const name of await readdir(this.layout.tempDir)) {
      if (isAbandonedTempName(name)) await rm(path.join(this.layout.tempDir, name), { recursive: true, force: true });
    }
    return freed;
  }

  async readManifest(digest: string): Promise<ImageManifest> {
    const manifest = parseJson(await this.blobs.read(digest), `manifest ${digest}`) as Partial<ImageManifest>;
    const { mediaType } = manifest;
    if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers) || (mediaType !== undefined && !isManifestMediaType(mediaType))) {
      throw new UserError(`blob ${digest} is not an image manifest${mediaType ? ` (media type ${mediaType})` : ''}`);
    }
    return manifest as ImageManifest;
  }

  async readConfig(manifest: ImageManifest): Promise<ImageConfig> {
    const config = parseJson(await this.blobs.read(manifest.config.digest), `image config ${manifest.config.digest}`) as Partial<ImageConfig>;
    if (!config.rootfs || !Array.isArray(config.rootfs.diff_ids) || !config.rootfs.diff_ids.every(isSha256Digest)) {
      throw new UserError(`image config ${manifest.config.digest} has no valid rootfs.diff_ids`);
    }
    return config as ImageConfig;
  }

  private async recordOf(index: ReferenceIndex, manifestDigest: string): Promise<ImageRecord> {
    const image = index.images[manifestDigest];
    if (!image) throw new Error(`image ${manifestDigest} is not in the index`);
    const manifest = await this.readManifest(manifestDigest);
    const config = await this.readConfig(manifest);
    const references = Object.entries(index.references)
      .filter(([, digest]) => digest === manifestDigest)
      .map(([reference]) => reference)
      .sort();
    return {
      id: image.id,
      manifestDigest,
      references,
      repoDigests: image.repoDigests,
      manifest,
      config,
      chainIds: chainIdsOf(config.rootfs.diff_ids),
      size: manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
      created: config.created,
    };
  }
}

/** The manifest digest that `text` names: a reference, an image ID or manifest digest, or a unique hex prefix of one. */
export function resolveInIndex(index: ReferenceIndex, text: string): string | undefined {
  if (looksLikeId(text)) {
    const hex = text.startsWith('sha256:') ? text.slice(7) : text;
    const matches = new Set<string>();
    for (const [digest, image] of Object.entries(index.images)) {
      if (image.id.slice(7).startsWith(hex) || digest.slice(7).startsWith(hex)) matches.add(digest);
    }
    if (matches.size > 1 && hex.length < 64) throw new UserError(`image ID prefix "${text}" is ambiguous`, { hint: 'give more of the ID' });
    const [only] = matches;
    if (only !== undefined) return only;
  }
  let reference: ImageReference;
  try {
    reference = parseReference(text);
  } catch (error) {
    if (looksLikeId(text)) return undefined;
    throw error;
  }
  const direct = index.references[formatImageReference(reference)];
  if (direct !== undefined) return direct;
  if (reference.digest !== undefined) {
    const pin = `${repositoryName(reference)}@${reference.digest}`;
    for (const [digest, image] of Object.entries(index.images)) {
      if (image.repoDigests.includes(pin) || (digest === reference.digest && reference.tag === undefined)) return digest;
    }
  }
  return undefined;
}

function looksLikeId(text: string): boolean {
  return /^(sha256:)?[a-f0-9]{4,64}$/.test(text);
}

function parseReference(text: string): ImageReference {
  try {
    return parseImageReference(text);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { hint: error.hint });
    throw error;
  }
}

function parseJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new UserError(`${what} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && errors.length === 0) {
      const i = next;
      next += 1;
      const item = items[i];
      if (item === undefined) continue;
      try {
        await work(item, i);
      } catch (error) {
        errors.push(error);
      }
    }
  });
  await Promise.all(runners);
  if (errors.length > 0) throw errors[0];
}

/** Open (creating when absent) the image store under `paths.root`. */
export async function openImageStore(paths: StatePaths, options: ImageStoreOptions = {}): Promise<ImageStore> {
  // Until container records exist, an image is in use while a prepared rootfs names it.
  const inUse = options.inUse ?? (async (image: ImageRecord) => (await imagesInUseByRootfs(paths)).has(image.id));
  return new ImageStore(await openBlobStore(paths, options), { ...options, inUse });
}
