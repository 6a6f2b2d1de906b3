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
