// Network records under <root>/networks/: one JSON file per network, changed only under one lock per root.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempPathBeside } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';
import type { NetworkAddressing } from './ipam.js';
import { withFileLock } from '../state/lock-file.js';

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
  /** The container's `expose` ports, recorded with its endpoints (they open nothing: one network reaches every port). */
  expose?: string[];
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
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
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
    // Parallel callers (Promise.all over containers) reach transact in one synchronous run: a microtask is late enough
    // for all of them to join this batch.
    await Promise.resolve();
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

  // The reads and writes below are synchronous on purpose: records are small, and a handful of direct syscalls costs
  // microseconds where each thread-pool round trip of fs/promises costs ~0.5 ms on a busy machine (endpoint p50 budget
  // is 3 ms).

  async list(): Promise<NetworkRecord[]> {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: NetworkRecord[] = [];
    for (const name of names) {
      if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
      const record = this.readSync(name.slice(0, 64));
      if (record) records.push(record);
    }
    return records;
  }

  async read(id: string): Promise<NetworkRecord | undefined> {
    return this.readSync(id);
  }

  private readSync(id: string): NetworkRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.file(id), 'utf8')) as NetworkRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async findByName(name: string): Promise<NetworkRecord | undefined> {
    return (await this.list()).find((record) => record.name === name);
  }

  /**
   * Temp file and rename, as writeJsonAtomic does, but synchronous and without fsync: records must survive a kill
   * (they do: rename is atomic), and after a power cut /run is gone and the kernel objects with it.
   */
  async write(record: NetworkRecord): Promise<void> {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    const target = this.file(record.id);
    const temp = tempPathBeside(target);
    try {
      writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    rmSync(this.file(id), { force: true });
  }

  private file(id: string): string {
    return path.join(this.directory, `${id}.json`);
  }
}
