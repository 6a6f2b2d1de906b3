// What a project's session was asked to do, kept on disk so a restarted berthd takes its projects up again.
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DesiredState } from '../plan/plan-types.js';
import type { Project } from '../spec/model.js';
import { ensureDirectory, writeJsonAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';

/** The project model (as the last request sent it) and the merged goal of every request so far. */
export interface SessionRecord {
  readonly project: Project;
  readonly desired: DesiredState;
}

function recordsDir(paths: StatePaths): string {
  return path.join(paths.root, 'projects');
}

export async function writeSessionRecord(paths: StatePaths, record: SessionRecord): Promise<void> {
  await ensureDirectory(recordsDir(paths), 0o700);
  // Not fsynced: a record lost to a power cut costs one resumed session, and every request writes one.
  await writeJsonAtomic(path.join(recordsDir(paths), `${record.project.name}.json`), record, { mode: 0o600, durable: false });
}

/** `down` ended the session: nothing is left to take up again. */
export async function removeSessionRecord(paths: StatePaths, projectName: string): Promise<void> {
  await rm(path.join(recordsDir(paths), `${projectName}.json`), { force: true });
}

/** Every recorded session; an unreadable record is skipped (and reported), not fatal. */
export async function readSessionRecords(paths: StatePaths, onError: (file: string, error: unknown) => void = () => undefined): Promise<SessionRecord[]> {
  const names = await readdir(recordsDir(paths)).catch(() => [] as string[]);
  const records: SessionRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(recordsDir(paths), name);
    try {
      const record = JSON.parse(await readFile(file, 'utf8')) as SessionRecord;
      if (typeof record.project?.name !== 'string' || !Array.isArray(record.desired?.services)) throw new Error('not a session record');
      records.push(record);
    } catch (error) {
      onError(file, error);
    }
  }
  return records;
}

export async function readSessionRecord(paths: StatePaths, projectName: string): Promise<SessionRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(recordsDir(paths), `${projectName}.json`), 'utf8')) as SessionRecord;
  } catch {
    return undefined;
  }
}
