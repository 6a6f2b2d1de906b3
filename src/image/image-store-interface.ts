// The contract between the image store and the code that feeds it (archive import, registry pull, build).
import type { Descriptor, ImageConfig, ImageManifest } from './media-types.js';
import type { ImageReference } from './reference.js';

/** What a stored image is: the manifest it was committed from and the references pointing at it. */
export interface ImageRecord {
  /** `sha256:` of the image config blob: Docker's image ID. */
  readonly id: string;
  /** Digest of the manifest blob in the store. */
  readonly manifestDigest: string;
  /** Canonical references (`docker.io/library/busybox:latest`) that point at this image. */
  readonly references: readonly string[];
  /** Manifest digests this image is known by in registries (`repo@sha256:` pins). */
  readonly repoDigests: readonly string[];
  readonly manifest: ImageManifest;
  readonly config: ImageConfig;
  /** ChainIDs of its layers, bottom first: the unpacked layer directories it mounts. */
  readonly chainIds: readonly string[];
  /** Total size of its compressed blobs in bytes. */
  readonly size: number;
  readonly created: string | undefined;
}

/** Content-addressed blobs. Every write is verified against the expected digest and size before it becomes visible. */
export interface BlobStore {
  has(digest: string): Promise<boolean>;
  /** Stream a blob in; rejects (and keeps nothing) on a digest or size mismatch. Idempotent. */
  put(expected: Pick<Descriptor, 'digest' | 'size'>, data: AsyncIterable<Uint8Array>): Promise<void>;
  /** Store a small in-memory blob (a manifest, a config) and return its descriptor fields. */
  putBytes(data: Uint8Array): Promise<{ digest: string; size: number }>;
  /** Read a whole blob (manifests and configs; use `stream` for layers). */
  read(digest: string): Promise<Buffer>;
  stream(digest: string): AsyncIterable<Uint8Array>;
  /** Path of the blob file, for tools that read files (export, hashing). */
  pathOf(digest: string): string;
}

/** The image side of the store: manifests already in the blob store become images with references. */
export interface ImageCommitter {
  readonly blobs: BlobStore;
  /**
   * Make the manifest (already stored, with its config and layer blobs) an image: unpack its layers
   * by ChainID (once, shared), then point `reference` at it. `repoDigest` records a registry pin.
   */
  commit(manifestDigest: string, options: { reference?: ImageReference; repoDigest?: string }): Promise<ImageRecord>;
  /** The image a reference (or image ID, or unique ID prefix) names, or undefined. */
  find(referenceOrId: string): Promise<ImageRecord | undefined>;
}
