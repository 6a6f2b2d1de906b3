// Network records under <root>/networks/: one JSON file per network, changed only under one lock per root.
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureDirectory, writeJsonAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';
import type { NetworkAddressing } from './ipam.js';
import { withFileLock } from './lock-file.js';

/** One container's attachment to a network, as recorded. */
export interface EndpointRecord {
  container: string;
  address: string;
  mac: string;
  /** Name inside the container: eth0, eth1, ... */
  ifname: string;
  /** Name of the host side of the veth pair. */
  hostIfname: string;
  netnsPath: string;
}

/** A published port as recorded, so a second engine sees it as taken. */
export interface PortRecord {
  container: string;
  hostIp: string;
  hostPort: number;
  protocol: 'tcp' | 'udp';
  containerIp: string;
  containerPort: number;
}

export interface NetworkRecord {
  /** 64 hex digits, like Docker's network ids. */
  id: string;
  /** The full name (project-prefixed unless `name:` says otherwise). */
  name: string;
  bridge: string;
  addressing: NetworkAddressing;
  internal: boolean;
  attachable: boolean;
  mtu?: number;
  labels: Record<string, string>;
  driverOptions: Record<string, string>;
  created: string;
  /** Keyed by container id. */
  endpoints: Record<string, EndpointRecord>;
  ports: PortRecord[];
  /** Whether this network turned net.ipv4.ip_forward on (so the last one out can say so). */
  enabledIpForward?: boolean;
  /** Whether ACCEPT rules for this bridge were added to iptables' FORWARD chain (its policy was DROP). */
  hostForwardAccept?: boolean;
}

/** A change to the records, run under the lock with every record read once for the whole batch. */
export type RecordMutator<T> = (records: NetworkRecord[], changed: Set<NetworkRecord>) => T | Promise<T>;

export class NetworkStore {
  readonly directory: string;
  constructor(paths: StatePaths) {
    this.directory = path.join(paths.root, 'networks');
  }

  /** Run `work` with the store locked: allocations made inside cannot collide with another engine's. */
  async locked<T>(work: () => Promise<T>): Promise<T> {
    await ensureDirectory(this.directory, 0o700);
    return withFileLock(path.join(this.directory, '.lock'), work);
  }

  /**
   * Change records under the lock. Calls made while a transaction runs are coalesced into the next one: one lock, one
   * read of the records and one write per changed record for all of them, so 50 parallel attachments cost one pass,
   * not 50. A mutator must either throw before changing anything or mark what it changed in `changed`.
   */
  transact<T>(mutator: RecordMutator<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ mutator, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private waiting: { mutator: RecordMutator<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
  private draining = false;

  private async drain(): Promise<void> {
    this.draining = true;
    // Let the callers of this tick join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length) {
      const batch = this.waiting;
      this.waiting = [];
      const settled: (() => void)[] = [];
      try {
        await this.locked(async () => {
          const records = await this.list();
          const changed = new Set<NetworkRecord>();
          for (const entry of batch) {
            try {
              const value = await entry.mutator(records, changed);
              settled.push(() => entry.resolve(value));
            } catch (error) {
              settled.push(() => entry.reject(error));
            }
          }
          await Promise.all([...changed].map((record) => this.write(record)));
        });
        for (const settle of settled) settle();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.draining = false;
  }

  async list(): Promise<NetworkRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records = await Promise.all(
      names.filter((name) => /^[0-9a-f]{64}\.json$/.test(name)).map((name) => this.read(name.slice(0, 64))),
    );
    return records.filter((record): record is NetworkRecord => record !== undefined);
  }

  async read(id: string): Promise<NetworkRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as NetworkRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async findByName(name: string): Promise<NetworkRecord | undefined> {
    return (await this.list()).find((record) => record.name === name);
  }

  async write(record: NetworkRecord): Promise<void> {
    await ensureDirectory(this.directory, 0o700);
    // Records are rebuilt from the kernel after a power cut anyway; a kill is what they must survive.
    await writeJsonAtomic(this.file(record.id), record, { durable: false, mode: 0o600 });
  }

  async remove(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }

  private file(id: string): string {
    return path.join(this.directory, `${id}.json`);
  }
}
