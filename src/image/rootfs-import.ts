// `image import`: a root filesystem (a tar, gzip or not, or a directory) becomes a one-layer image in the store.
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { UserError, ValueError } from '../errors.js';
import { packDirectory } from './directory-tar.js';
import type { ImageRecord } from './image-store-interface.js';
import type { ImageStore } from './image-store.js';
import { applyImageChanges } from './import-changes.js';
import { type ImageConfig, type ImageManifest, type ImageRuntimeConfig, MEDIA_TYPE, type Platform } from './media-types.js';
import { type ImageReference, parseImageReference } from './reference.js';

export interface RootfsImportOptions {
  /** The name to give the image (none: it is known by its ID only, as `<none>`). */
  reference?: ImageReference;
  /** Dockerfile instructions applied to the config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL, VOLUME). */
  changes?: readonly string[];
  /** The history comment (default "Imported from <source>"). */
  message?: string;
  /** Default linux/amd64. */
  platform?: Platform;
}

/**
 * Import `source`: a tar file (plain, gzip or zstd, told by magic number), a directory (packed to a tar in
 * sorted order), or a stream of tar bytes. The layer goes through the store's hostile-input unpacker before
 * anything names it; a refused layer leaves no blob and no layer behind.
 */
export async function importRootfs(store: ImageStore, source: string | NodeJS.ReadableStream, options: RootfsImportOptions = {}): Promise<ImageRecord> {
  const runtimeConfig = configWithChanges(options.changes ?? []);
  if (options.reference?.digest !== undefined) {
    throw new UserError('an imported image cannot be named by a digest', { hint: 'give a repository and tag, such as busybox:latest' });
  }
  const layersBefore = new Set(await store.layers.list());
  const { digest: blob, size, created } = await store.blobs.putComputed(await tarBytesOf(source));
  let chainId: string | undefined;
  try {
    if (size === 0) throw new UserError(`${describeSource(source)} is empty, not a tar archive`);
    const unpacked = await store.layers.unpackToTemp(store.blobs.stream(blob), { plainDiffIdIsBlobDigest: true });
    const diffId = unpacked.result.compressed ? unpacked.result.diffId : blob;
    chainId = diffId;
    // A single layer's ChainID is its DiffID.
    await store.layers.install(unpacked, { chainId, diffId, blob }, diffId);
    const compression = await compressionOf(store, blob);
    const now = new Date().toISOString();
    const platform = options.platform ?? { architecture: 'amd64', os: 'linux' };
    const config: ImageConfig & { variant?: string } = {
      architecture: platform.architecture,
      ...(platform.variant === undefined ? {} : { variant: platform.variant }),
      os: platform.os,
      created: now,
      config: runtimeConfig,
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: now, comment: options.message ?? `Imported from ${describeSource(source)}` }],
    };
    const configBlob = await store.blobs.putBytes(Buffer.from(JSON.stringify(config)));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociConfig, ...configBlob },
      layers: [{ mediaType: LAYER_MEDIA_TYPE[compression], digest: blob, size }],
    };
    const manifestBlob = await store.blobs.putBytes(Buffer.from(JSON.stringify(manifest)));
    return await store.commit(manifestBlob.digest, options.reference ? { reference: options.reference } : {});
  } catch (error) {
    await forgetUnused(store, created ? blob : undefined, chainId !== undefined && !layersBefore.has(chainId) ? chainId : undefined);
    throw error;
  }
}

function configWithChanges(changes: readonly string[]): ImageRuntimeConfig {
  try {
    return applyImageChanges({}, changes);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { keyPath: '--change', hint: error.hint });
    throw error;
  }
}

/** `REPOSITORY[:TAG]` of the command line as a reference; a malformed one is the user's mistake. */
export function parseImportReference(text: string): ImageReference {
  try {
    return parseImageReference(text);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { hint: error.hint });
    throw error;
  }
}

/** `linux/amd64` or `linux/arm/v7` (a bare architecture means linux). */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  const [os, architecture, variant] = parts.length === 1 ? ['linux', parts[0]] : parts;
  if (!os || !architecture || parts.length > 3 || parts.some((part) => !/^[a-z0-9_.-]+$/.test(part))) {
    throw new UserError(`"${text}" is not a platform`, { hint: 'write OS/ARCH[/VARIANT], such as linux/amd64' });
  }
  return { os, architecture, ...(variant === undefined ? {} : { variant }) };
}

const LAYER_MEDIA_TYPE = { tar: MEDIA_TYPE.ociLayer, gzip: MEDIA_TYPE.ociLayerGzip, zstd: MEDIA_TYPE.ociLayerZstd } as const;

async function tarBytesOf(source: string | NodeJS.ReadableStream): Promise<AsyncIterable<Uint8Array>> {
  if (typeof source !== 'string') return source as AsyncIterable<Uint8Array>;
  const info = await lstat(source).catch(() => {
    throw new UserError(`cannot read ${source}: no such file or directory`, { hint: 'give a tar file, a directory, or - for standard input' });
  });
  if (info.isDirectory()) return packDirectory(source);
  if (!info.isFile()) throw new UserError(`${source} is neither a tar file nor a directory`, { hint: 'give a tar file, a directory, or - for standard input' });
  return createReadStream(source, { highWaterMark: 1 << 20 });
}

async function compressionOf(store: ImageStore, digest: string): Promise<keyof typeof LAYER_MEDIA_TYPE> {
  for await (const chunk of store.blobs.stream(digest)) {
    const head = Buffer.from(chunk);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
    return 'tar';
  }
  return 'tar';
}

function describeSource(source: string | NodeJS.ReadableStream): string {
  return typeof source === 'string' ? source : '-';
}

/** A failed import takes back its blob and layer unless an image already used them. */
async function forgetUnused(store: ImageStore, blob: string | undefined, chainId: string | undefined): Promise<void> {
  const images = await store.list();
  if (blob !== undefined && !images.some((image) => image.manifest.layers.some((layer) => layer.digest === blob))) await store.blobs.remove(blob);
  if (chainId !== undefined && !images.some((image) => image.chainIds.includes(chainId))) await store.layers.remove(chainId);
}
