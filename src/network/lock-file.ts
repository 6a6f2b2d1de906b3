// A cross-process lock on a file: created exclusively, holding the owner's pid, taken over when that pid is gone.
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemError } from '../errors.js';

// Callers in one process queue here, so only one of them at a time polls the file (no backoff among siblings).
const queues = new Map<string, Promise<unknown>>();

/** Run `work` while holding the lock at `lockPath`; waits up to `timeoutMs` for another holder. */
export async function withFileLock<T>(lockPath: string, work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    await acquire(lockPath, timeoutMs);
    try {
      return await work();
    } finally {
      await rm(lockPath, { force: true });
    }
  });
  queues.set(lockPath, run);
  try {
    return await run;
  } finally {
    if (queues.get(lockPath) === run) queues.delete(lockPath);
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await holderIsGone(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new SystemError(`${lockPath} is still held after ${timeoutMs} ms`, 'lock', 'ETIMEDOUT');
    }
    await sleep(wait);
  }
}

/** A lock whose pid no longer runs was left by a killed process. An empty file is one being written: not stale. */
async function holderIsGone(lockPath: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch {
    return false;
  }
  const pid = Number(text);
  if (!text || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
