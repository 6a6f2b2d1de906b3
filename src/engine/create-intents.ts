// Containers being made: an intent file per container, written before its first piece (rootfs, netns) and
// removed once the runtime holds its record, so a crash between the two leaves something to clean up by.
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureDirectory, writeJsonAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';
import { isProcessRunning } from '../state/process-alive.js';

export interface CreateIntent {
  readonly id: string;
  readonly name: string;
  /** The engine process making it: an intent of a live process is work in progress, not debris. */
  readonly pid: number;
}

function intentsDir(paths: StatePaths): string {
  return path.join(paths.run, 'creating');
}

export async function recordCreateIntent(paths: StatePaths, intent: CreateIntent): Promise<void> {
  await ensureDirectory(intentsDir(paths), 0o700);
  await writeJsonAtomic(path.join(intentsDir(paths), `${intent.id}.json`), intent, { durable: false });
}

export async function clearCreateIntent(paths: StatePaths, id: string): Promise<void> {
  await rm(path.join(intentsDir(paths), `${id}.json`), { force: true });
}

/** Intents left by engine processes that are gone: their containers were never finished. */
export async function abandonedCreateIntents(paths: StatePaths): Promise<CreateIntent[]> {
  return (await createIntents(paths)).filter((intent) => intent.pid === 0 || !isProcessRunning(intent.pid));
}

/** Every recorded intent, of live engines too (their containers are being made right now). */
export async function createIntents(paths: StatePaths): Promise<CreateIntent[]> {
  let files: string[];
  try {
    files = await readdir(intentsDir(paths));
  } catch {
    return [];
  }
  const intents = await Promise.all(
    files.filter((file) => file.endsWith('.json')).map(async (file) => {
      try {
        return JSON.parse(await readFile(path.join(intentsDir(paths), file), 'utf8')) as CreateIntent;
      } catch {
        // A torn write cannot happen (atomic), but an unreadable file is debris all the same.
        return { id: file.slice(0, -'.json'.length), name: '', pid: 0 };
      }
    }),
  );
  return intents;
}
