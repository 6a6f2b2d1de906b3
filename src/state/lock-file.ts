// A cross-process lock on a file: created exclusively, holding the owner's pid, taken over when that pid is gone.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemError } from '../errors.js';
import { isProcessRunning } from './process-alive.js';

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
      rmSync(lockPath, { force: true });
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
    // Synchronous on purpose: a few small syscalls cost microseconds, each thread-pool round trip far more.
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (holderIsGone(lockPath)) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new SystemError(`${lockPath} is still held after ${timeoutMs} ms`, 'lock', 'ETIMEDOUT');
    }
    await sleep(wait);
  }
}

/** A lock whose pid no longer runs was left by a killed process. An empty file is one being written: not stale. */
function holderIsGone(lockPath: string): boolean {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch {
    return false;
  }
  const pid = Number(text);
  if (!text) return olderThan(lockPath, EMPTY_LOCK_GRACE_MS);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  return !isProcessRunning(pid);
}

/** A holder killed between creating the file and writing its pid leaves it empty for good. */
const EMPTY_LOCK_GRACE_MS = 5_000;

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}
