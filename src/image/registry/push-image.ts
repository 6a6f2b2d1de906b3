// Push a stored image to a registry: skip blobs it has, mount those it knows in another repository, upload the rest, then PUT the manifest.
import { UserError } from '../../errors.js';
import type { BlobStore, ImageRecord } from '../image-store-interface.js';
import type { Descriptor } from '../media-types.js';
import { type ImageReference, parseImageReference, registryHost } from '../reference.js';
import { mapBounded } from './bounded-parallel.js';
import { parseManifestDocument } from './manifest-document.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';

export interface PushProgressEvent {
  readonly digest: string;
  readonly kind: 'config' | 'layer';
  /** `exists`: the registry had it; `mounted`: linked from another repository; else uploaded. */
  readonly status: 'exists' | 'mounted' | 'uploading' | 'done';
  readonly done: number;
  readonly total: number;
}

export interface PushOptions extends RegistryClientOptions {
  /** Blobs sent at once (default 4). */
  readonly concurrency?: number;
  /** Upload in PATCH chunks of this size; one monolithic PUT per blob when undefined. */
  readonly chunkSize?: number;
  readonly onProgress?: (event: PushProgressEvent) => void;
  readonly client?: RegistryClient;
}

export interface PushResult {
  /** Digest of the manifest in the registry (the same bytes as in the store). */
  readonly digest: string;
  readonly uploaded: number;
  readonly mounted: number;
  readonly skipped: number;
}

/** The image to push: its manifest in the store, and the names it is known by (for mount sources). */
export type PushSource = Pick<ImageRecord, 'manifestDigest' | 'references' | 'repoDigests'>;

const DEFAULT_CONCURRENCY = 4;

/** Push `image` from `blobs` to `target` (tag, or digest when the reference has only one). */
export async function pushImage(image: PushSource, target: ImageReference, blobs: BlobStore, options: PushOptions = {}): Promise<PushResult> {
  const host = registryHost(target);
  const client = options.client ?? (await RegistryClient.connect(host, options));
  const repository = target.path;
  const manifestBytes = await blobs.read(image.manifestDigest);
  const document = parseManifestDocument(manifestBytes, undefined, `stored image ${image.manifestDigest}`);
  if (document.kind !== 'manifest') throw new UserError(`stored image ${image.manifestDigest} is an index; berth pushes single-platform images`);
  const manifest = document.manifest;
  const mountSources = mountCandidates(image, target);
  const blobsToPush: { descriptor: Descriptor; kind: 'config' | 'layer' }[] = [
    { descriptor: manifest.config, kind: 'config' },
    ...manifest.layers.map((descriptor) => ({ descriptor, kind: 'layer' as const })),
  ];
  let uploaded = 0;
  let mounted = 0;
  let skipped = 0;
  const unique = [...new Map(blobsToPush.map((entry) => [entry.descriptor.digest, entry])).values()];
  await mapBounded(unique, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ descriptor, kind }) => {
    const { digest, size } = descriptor;
    if (await client.hasBlob(repository, digest)) {
      skipped++;
      options.onProgress?.({ digest, kind, status: 'exists', done: size, total: size });
      return;
    }
    let location: string | undefined;
    for (const from of mountSources) {
      const answer = await client.mountBlob(repository, digest, from);
      if (answer.mounted) {
        mounted++;
        options.onProgress?.({ digest, kind, status: 'mounted', done: size, total: size });
        return;
      }
      location = answer.location; // a session the registry opened instead; use it for the upload
      break;
    }
    if (!(await blobs.has(digest))) {
      throw new UserError(`blob ${digest} of the image is missing from the local store`, { hint: 'pull or load the image again (berth image check tells what else is missing)' });
    }
    location ??= await client.startUpload(repository);
    let done = 0;
    options.onProgress?.({ digest, kind, status: 'uploading', done, total: size });
    await client.uploadBlob(repository, location, { digest, size }, blobs.stream(digest), {
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      onBytes: (bytes) => {
        done += bytes;
        options.onProgress?.({ digest, kind, status: 'uploading', done, total: size });
      },
    });
    uploaded++;
    options.onProgress?.({ digest, kind, status: 'done', done: size, total: size });
  });
  const digest = await client.putManifest(repository, target.tag ?? target.digest ?? 'latest', manifestBytes, document.mediaType);
  return { digest, uploaded, mounted, skipped };
}

/** Other repositories of the target's registry this image came from or was pushed to: blobs may be mounted from them. */
export function mountCandidates(image: Pick<ImageRecord, 'references' | 'repoDigests'>, target: ImageReference): string[] {
  const repositories = new Set<string>();
  for (const text of [...image.repoDigests, ...image.references]) {
    let ref: ImageReference;
    try {
      ref = parseImageReference(text);
    } catch {
      continue;
    }
    if (ref.domain === target.domain && ref.path !== target.path) repositories.add(ref.path);
  }
  return [...repositories];
}
