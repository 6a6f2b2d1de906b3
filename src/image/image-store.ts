// The image store: blobs, unpacked layers and the reference index under <root>/images.
import type { StatePaths } from '../state/paths.js';
import type { FileBlobStore} from './blob-store.js';
import { type BlobStoreOptions, openBlobStore } from './blob-store.js';

/** The opened store. Images (commit, find, list, remove) are added on top of the blob side. */
export interface ImageStore {
  readonly blobs: FileBlobStore;
}

/** Open (creating when absent) the image store under `paths.root`. */
export async function openImageStore(paths: StatePaths, options: BlobStoreOptions = {}): Promise<ImageStore> {
  const blobs = await openBlobStore(paths, options);
  return { blobs };
}
