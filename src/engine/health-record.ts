// A container's health (status, failing streak, last results) kept beside its record, for ps, inspect and adoption.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HealthState } from '../reconcile/health-monitor.js';
import { writeJsonAtomic } from '../state/atomic-write.js';

const FILE_NAME = 'health.json';

/** `containerDir` is the runtime's persistent directory of the container (`runtime.files(id).dir`). */
export function healthRecordPath(containerDir: string): string {
  return path.join(containerDir, FILE_NAME);
}

export async function writeHealthRecord(containerDir: string, state: HealthState): Promise<void> {
  await writeJsonAtomic(healthRecordPath(containerDir), state, { durable: false });
}

/** Undefined when the container has no healthcheck or no probe has run yet. */
export async function readHealthRecord(containerDir: string): Promise<HealthState | undefined> {
  try {
    return JSON.parse(await readFile(healthRecordPath(containerDir), 'utf8')) as HealthState;
  } catch {
    return undefined;
  }
}
