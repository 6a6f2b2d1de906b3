// What the engine remembers about a container beyond the runtime's record: restarts and DNS names.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DnsEndpoint } from '../network/dns/record-table.js';
import { writeJsonAtomic } from '../state/atomic-write.js';

export interface EngineRecord {
  /** Restarts done by the restart policy since the container was created. */
  restartCount: number;
  /** The delay before the last policy restart, so the next one doubles it. */
  lastBackoffMs?: number | undefined;
  /** Registered while it runs; kept here so a new engine process can register them again. */
  dnsEndpoints: DnsEndpoint[];
}

const FILE_NAME = 'engine.json';

/** `containerDir` is the runtime's persistent directory of the container (`runtime.files(id).dir`). */
export async function writeEngineRecord(containerDir: string, record: EngineRecord): Promise<void> {
  await writeJsonAtomic(path.join(containerDir, FILE_NAME), record, { durable: false });
}

export async function readEngineRecord(containerDir: string): Promise<EngineRecord> {
  try {
    return JSON.parse(await readFile(path.join(containerDir, FILE_NAME), 'utf8')) as EngineRecord;
  } catch {
    return { restartCount: 0, dnsEndpoints: [] };
  }
}
