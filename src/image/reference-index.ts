// The reference index (references.json): which images exist and which names point at them, updated under a lock.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemError, UserError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../state/atomic-write.js';
import { isProcessRunning } from '../state/process-alive.js';

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
 * Run `update` on the index with the lock held and write what it returns, atomically. The lock is a
 * directory (mkdir is atomic) holding the owner's pid, so a lock left by a killed process is taken over.
 */
export async function updateIndex<T>(
  file: string,
  lockDir: string,
  update: (index: ReferenceIndex) => Promise<{ index: ReferenceIndex; result: T }> | { index: ReferenceIndex; result: T },
): Promise<T> {
  await acquireLock(lockDir);
  try {
    const { index, result } = await update(await readIndex(file));
    await writeJsonAtomic(file, index, { mode: 0o600 });
    return result;
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function acquireLock(lockDir: string): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await mkdir(lockDir, { mode: 0o700 });
      await writeFileAtomic(`${lockDir}/pid`, String(process.pid), { durable: false });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new SystemError(String(error), 'lock image index', (error as NodeJS.ErrnoException).code);
    }
    if (await lockIsStale(lockDir)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new SystemError(`the image index is locked by another berth (${lockDir})`, 'lock image index', 'ETIMEDOUT');
    await sleep(Math.min(2 + attempt * 2, 25));
  }
}

/** A lock whose owner is gone, or one without a pid after a while (its owner died between mkdir and write). */
async function lockIsStale(lockDir: string): Promise<boolean> {
  try {
    const pid = Number.parseInt(await readFile(`${lockDir}/pid`, 'utf8'), 10);
    if (pid === process.pid) return false;
    return !isProcessRunning(pid);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return true;
    if (code === 'ENOENT') {
      try {
        return Date.now() - (await stat(lockDir)).mtimeMs > 5_000;
      } catch {
        return false;
      }
    }
    return false;
  }
}
