// Pull an image from a registry into the blob store: resolve the manifest (index → platform), fetch missing blobs in parallel, commit.
import { UserError } from '../../errors.js';
import type { BlobStore, ImageCommitter, ImageRecord } from '../image-store-interface.js';
import type { Descriptor, ImageManifest, Platform } from '../media-types.js';
import { type ImageReference, registryHost } from '../reference.js';
import { mapBounded } from './bounded-parallel.js';
import { LINUX_AMD64, parseManifestDocument, selectPlatformManifest } from './manifest-document.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';

/** One blob's progress. `exists`: already in the store, nothing fetched. */
export interface PullProgressEvent {
  readonly digest: string;
  readonly kind: 'config' | 'layer';
  readonly status: 'exists' | 'downloading' | 'done';
  /** Bytes received so far (the full size for `exists` and `done`). */
  readonly done: number;
  readonly total: number;
}

export interface PullOptions extends RegistryClientOptions {
  /** Platform to pick from an index (default linux/amd64). */
  readonly platform?: Platform;
  /** Blobs fetched at once (default 4). */
  readonly concurrency?: number;
  readonly onProgress?: (event: PullProgressEvent) => void;
  /** Reuse a connected client (its credentials and tokens) instead of connecting anew. */
  readonly client?: RegistryClient;
}

/** What a pull put into the blob store. */
export interface FetchedImage {
  /** Digest of the platform's image manifest (the one committed). */
  readonly manifestDigest: string;
  readonly manifest: ImageManifest;
  /** `host/repo@sha256:` of the top-level manifest (the index when there was one), as Docker records RepoDigests. */
  readonly repoDigest: string;
  /** Bytes downloaded for config and layers; blobs already stored count nothing. */
  readonly downloadedBytes: number;
  readonly skippedBlobs: number;
}

const DEFAULT_CONCURRENCY = 4;

/** Fetch manifest, config and layers of `reference` into `blobs`, skipping blobs already there. */
export async function fetchImageBlobs(reference: ImageReference, blobs: BlobStore, options: PullOptions = {}): Promise<FetchedImage> {
  const client = options.client ?? (await RegistryClient.connect(registryHost(reference), options));
  const repository = reference.path;
  const source = `${reference.domain}/${repository}${reference.digest !== undefined ? `@${reference.digest}` : `:${reference.tag ?? 'latest'}`}`;
  const top = await client.getManifest(repository, reference.digest ?? reference.tag ?? 'latest');
  let document = parseManifestDocument(top.bytes, top.contentType, source);
  let manifestBytes = top.bytes;
  let manifestDigest = top.digest;
  if (document.kind === 'index') {
    const chosen = selectPlatformManifest(document.index, options.platform ?? LINUX_AMD64, source);
    await storeManifest(blobs, top.bytes, top.digest);
    const platformManifest = await client.getManifest(repository, chosen.digest);
    if (platformManifest.bytes.length !== chosen.size) {
      throw new UserError(`the manifest ${chosen.digest} of ${source} is ${platformManifest.bytes.length} bytes, its index says ${chosen.size}`);
    }
    document = parseManifestDocument(platformManifest.bytes, platformManifest.contentType, `${source} (${chosen.digest})`);
    if (document.kind !== 'manifest') throw new UserError(`the index of ${source} points at another index (${chosen.digest}); nested indexes are not supported`);
    manifestBytes = platformManifest.bytes;
    manifestDigest = platformManifest.digest;
  }
  const manifest = document.manifest;
  const wanted: { descriptor: Descriptor; kind: 'config' | 'layer' }[] = [
    { descriptor: manifest.config, kind: 'config' },
    ...manifest.layers.map((descriptor) => ({ descriptor, kind: 'layer' as const })),
  ];
  let downloadedBytes = 0;
  let skippedBlobs = 0;
  const seen = new Set<string>();
  await mapBounded(wanted, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ descriptor, kind }) => {
    const { digest, size } = descriptor;
    if (seen.has(digest) || (await blobs.has(digest))) {
      // The same blob listed twice (an empty layer, say) is fetched once.
      skippedBlobs++;
      options.onProgress?.({ digest, kind, status: 'exists', done: size, total: size });
      return;
    }
    seen.add(digest);
    if (descriptor.urls !== undefined && descriptor.urls.length > 0 && !(await client.hasBlob(repository, digest))) {
      throw new UserError(`layer ${digest} of ${source} is a foreign layer served only from ${descriptor.urls[0] ?? ''}`, { hint: 'berth fetches blobs from the registry only' });
    }
    let done = 0;
    options.onProgress?.({ digest, kind, status: 'downloading', done, total: size });
    const data = await client.fetchBlob(repository, descriptor, (bytes) => {
      done += bytes;
      downloadedBytes += bytes;
      options.onProgress?.({ digest, kind, status: 'downloading', done, total: size });
    });
    try {
      await blobs.put({ digest, size }, data);
    } catch (error) {
      if (error instanceof UserError && !error.message.includes(client.host)) {
        throw new UserError(`${kind} ${digest} from ${source}: ${error.message}`, { hint: error.hint ?? 'the registry serves content that does not match its manifest' });
      }
      throw error;
    }
    options.onProgress?.({ digest, kind, status: 'done', done: size, total: size });
  });
  await storeManifest(blobs, manifestBytes, manifestDigest);
  return { manifestDigest, manifest, repoDigest: `${reference.domain}/${repository}@${top.digest}`, downloadedBytes, skippedBlobs };
}

/** Pull and commit: the image record the reference now names. */
export async function pullImage(
  reference: ImageReference,
  committer: ImageCommitter,
  options: PullOptions = {},
): Promise<{ image: ImageRecord; fetched: FetchedImage }> {
  const fetched = await fetchImageBlobs(reference, committer.blobs, options);
  // A digest-only reference pins content but names no tag to point at it.
  const image = await committer.commit(fetched.manifestDigest, {
    ...(reference.tag !== undefined ? { reference } : {}),
    repoDigest: fetched.repoDigest,
  });
  return { image, fetched };
}

async function storeManifest(blobs: BlobStore, bytes: Uint8Array, digest: string): Promise<void> {
  if (await blobs.has(digest)) return;
  const stored = await blobs.putBytes(bytes);
  if (stored.digest !== digest) throw new Error(`blob store computed ${stored.digest} for a manifest of digest ${digest}`);
}
