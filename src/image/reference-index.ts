// The reference index (references.json): which images exist and which names point at them, updated under a lock.
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic-write.js';
import { withFileLock } from '../state/lock-file.js';

/** One image in the index, keyed by its manifest digest. */
export interface IndexedImage {
  /** Config digest: the image ID. */
  id: string;
  /** Registry pins (`docker.io/library/busybox@sha256:...`), canonical. */
  repoDigests: string[];
  /** When it was committed (ISO time). */
  added: string;
  /** When a tag last moved onto it (Docker's Metadata.LastTagTime). */
  lastTagTime?: string;
}

export interface ReferenceIndex {
  version: 1;
  /** Manifest digest → image. */
  images: Record<string, IndexedImage>;
  /** Canonical reference (`docker.io/library/busybox:latest`, or `name@sha256:...`) → manifest digest. */
  references: Record<string, string>;
}

export function emptyIndex(): ReferenceIndex {
  return { version: 1, images: {}, references: {} };
}

export async function readIndex(file: string): Promise<ReferenceIndex> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<ReferenceIndex>;
  if (parsed.version !== 1 || typeof parsed.images !== 'object' || typeof parsed.references !== 'object') {
    throw new UserError(`the image index ${file} is not a berth version 1 index`, { hint: 'run "berth image check" to see what is wrong' });
  }
  return { version: 1, images: parsed.images ?? {}, references: parsed.references ?? {} };
}

const LOCK_TIMEOUT_MS = 30_000;

/**
 * Run `update` on the index with the lock held and write what it returns, atomically. A lock left
 * by a killed process is taken over (see state/lock-file.ts).
 */
export async function updateIndex<T>(
  file: string,
  lockFile: string,
  update: (index: ReferenceIndex) => Promise<{ index: ReferenceIndex; result: T }> | { index: ReferenceIndex; result: T },
): Promise<T> {
  return withFileLock(
    lockFile,
    async () => {
      const { index, result } = await update(await readIndex(file));
      await writeJsonAtomic(file, index, { mode: 0o600 });
      return result;
    },
    LOCK_TIMEOUT_MS,
  );
}
