// Atomic file writes: a reader sees the old content or the new, never a torn file, even after a kill.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644). */
  mode?: number;
  /** fsync the file and its directory, so the write survives a power cut, not only a kill (default true). */
  durable?: boolean;
}

/** A temp name beside `target`: same directory, so `rename` stays on one filesystem and is atomic. */
export function tempPathBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Write `data` to `target` through a temp file and a rename. The parent directory must exist. */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const { mode = 0o644, durable = true } = options;
  const temp = tempPathBeside(target);
  if (!durable) {
    // Without fsync the write only reaches the page cache: four direct syscalls cost less than four
    // thread-pool round trips, which on `up` of 50 containers (~6 such files each) add up on the main thread.
    try {
      writeFileSync(temp, data, { mode, flag: 'wx' });
      renameSync(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    return;
  }
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(path.dirname(target));
}

/** Write a value as pretty JSON, atomically. */
export async function writeJsonAtomic(target: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, options);
}

/** Create a directory (and parents) with a mode; an existing one is fine. */
export async function ensureDirectory(dir: string, mode = 0o755): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
}

/** fsync a directory so a rename inside it is on disk. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
