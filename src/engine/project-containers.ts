// A project's containers as `ps` and `logs` see them (state, health, ports, command), read from berth's state on disk.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { NetworkStore, type NetworkRecord } from '../network/network-store.js';
import type { HealthStatus } from '../plan/plan-types.js';
import { ContainerRuntime, type ContainerStatus } from '../runtime/container-runtime.js';
import { INIT_PATH_IN_CONTAINER } from '../runtime/linux-defaults.js';
import type { StatePaths } from '../state/paths.js';
import { VolumeStore } from '../volume/volume-store.js';
import { identityFromLabels } from './compose-labels.js';
import { readHealthRecord } from './health-record.js';

/** Docker's container states, as `ps --status` and `State` name them. */
export type ContainerStateName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export const CONTAINER_STATE_NAMES: readonly ContainerStateName[] = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'];

/** One port of a container as compose reports it (`Publishers` of `ps --format json`). */
export interface PortPublisher {
  /** The host address; "" for a port the container only exposes. */
  URL: string;
  TargetPort: number;
  /** 0 when not published. */
  PublishedPort: number;
  Protocol: string;
}

export interface ProjectContainer {
  id: string;
  name: string;
  project: string;
  service: string;
  number: number;
  oneoff: boolean;
  image: string;
  /** The process's arguments (init wrapper left out); empty when the bundle is gone (after a reboot). */
  args: string[];
  labels: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt: number;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  state: ContainerStateName;
  /** Meaningful once exited (0 otherwise, as compose reports it). */
  exitCode: number;
  /** Only while running, as compose reports it. */
  health?: HealthStatus | undefined;
  publishers: PortPublisher[];
  networks: string[];
  /** Volume names, or the host path of bind mounts. */
  mounts: string[];
  localVolumes: number;
  logPath: string;
  tty: boolean;
  /** berth was asked to stop it (a restart policy does not bring it back). */
  stopRequested: boolean;
}

export interface ProjectContainerQuery {
  project: string;
  /** Only these services (all when absent or empty). */
  services?: readonly string[] | undefined;
  /** Include one-off containers (`run`). */
  oneoff?: boolean | undefined;
}

/** Sort by service, then replica number (one-off containers after the service's replicas). */
export function compareProjectContainers(a: ProjectContainer, b: ProjectContainer): number {
  if (a.service !== b.service) return a.service < b.service ? -1 : 1;
  if (a.oneoff !== b.oneoff) return a.oneoff ? 1 : -1;
  return a.number - b.number || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The project's containers, sorted. Reads records, exit files, health and network records; asks
 * runc only for a container whose recorded pid no longer proves it is alive. Starts nothing.
 */
export async function listProjectContainers(paths: StatePaths, query: ProjectContainerQuery): Promise<ProjectContainer[]> {
  const runtime = new ContainerRuntime(paths);
  const [statuses, networks] = await Promise.all([runtime.list(), new NetworkStore(paths).list()]);
  const volumesDir = new VolumeStore(paths).dir;
  const selected = statuses.filter((status) => matchesQuery(status.record.labels, query));
  const containers = await Promise.all(selected.map((status) => describeContainer(runtime, status, networks, volumesDir)));
  return containers.sort(compareProjectContainers);
}

function matchesQuery(labels: Readonly<Record<string, string>>, query: ProjectContainerQuery): boolean {
  const identity = identityFromLabels(labels);
  if (!identity || identity.project !== query.project || (identity.oneoff && query.oneoff !== true)) return false;
  return !query.services?.length || query.services.includes(identity.service);
}

/** One container by runtime id, when it exists and belongs to the query's project and services. */
export async function readProjectContainer(paths: StatePaths, id: string, query: ProjectContainerQuery): Promise<ProjectContainer | undefined> {
  const runtime = new ContainerRuntime(paths);
  const status = await runtime.inspect(id).catch(() => undefined);
  if (!status) return undefined;
  if (!matchesQuery(status.record.labels, query)) return undefined;
  return describeContainer(runtime, status, await new NetworkStore(paths).list(), new VolumeStore(paths).dir);
}

async function describeContainer(runtime: ContainerRuntime, status: ContainerStatus, networks: readonly NetworkRecord[], volumesDir: string): Promise<ProjectContainer> {
  const { record } = status;
  const identity = identityFromLabels(record.labels);
  const files = runtime.files(record.id);
  const [args, finishedAt] = await Promise.all([processArgs(files.configJson), modifiedAt(files.exitFile)]);
  const { state, exitCode } = dockerState(status);
  const health = state === 'running' ? (await readHealthRecord(files.dir))?.status : undefined;
  const mounts = mountNames(record.mounts, volumesDir);
  return {
    id: record.id,
    name: record.name,
    project: identity?.project ?? '',
    service: identity?.service ?? '',
    number: identity?.number ?? 0,
    oneoff: identity?.oneoff ?? false,
    image: record.image,
    args,
    labels: record.labels,
    createdAt: Date.parse(record.created),
    startedAt: record.startedAt !== undefined ? Date.parse(record.startedAt) : undefined,
    finishedAt: state === 'exited' ? finishedAt : undefined,
    state,
    exitCode,
    health,
    publishers: publishersOf(record.id, networks),
    networks: networks.filter((network) => network.endpoints[record.id] !== undefined).map((network) => network.name).sort(),
    mounts: mounts.names,
    localVolumes: mounts.local,
    logPath: files.log,
    tty: record.tty,
    stopRequested: record.stopRequested === true,
  };
}

/**
 * Docker's words for the runtime's states. A container that never started is `created` even once
 * killed (Docker's StartedAt rule); one whose runtime state is gone (a reboot cleared /run) has
 * exited with 255, as Docker reports containers that died while the daemon was away.
 */
export function dockerState(status: Pick<ContainerStatus, 'state' | 'exitCode'> & { record: { startedAt?: string | undefined } }): { state: ContainerStateName; exitCode: number } {
  switch (status.state) {
    case 'running':
    case 'paused':
    case 'created':
      return { state: status.state, exitCode: 0 };
    case 'exited':
      if (status.record.startedAt === undefined) return { state: 'created', exitCode: 0 };
      return { state: 'exited', exitCode: status.exitCode ?? 255 };
    case 'unknown':
      return { state: 'exited', exitCode: 255 };
  }
}

async function processArgs(configJson: string): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(configJson, 'utf8'));
  } catch {
    return [];
  }
  const args = (parsed as { process?: { args?: unknown } }).process?.args;
  if (!Array.isArray(args) || !args.every((arg): arg is string => typeof arg === 'string')) return [];
  // `init: true` runs the command under docker-init; Docker still shows the command itself.
  return args[0] === INIT_PATH_IN_CONTAINER && args[1] === '--' ? args.slice(2) : args;
}

async function modifiedAt(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

function mountNames(mounts: readonly { type: string; source: string }[], volumesDir: string): { names: string[]; local: number } {
  const names: string[] = [];
  let local = 0;
  for (const mount of mounts) {
    if (mount.type !== 'bind') continue;
    const relative = path.relative(volumesDir, mount.source);
    const parts = relative.split(path.sep);
    if (parts.length === 2 && parts[1] === '_data' && !relative.startsWith('..') && parts[0]) {
      names.push(parts[0]);
      local += 1;
    } else {
      names.push(mount.source);
    }
  }
  return { names, local };
}

/** Published ports from the network records, then `expose` ports that are not published (target only). */
export function publishersOf(id: string, networks: readonly Pick<NetworkRecord, 'ports' | 'endpoints'>[]): PortPublisher[] {
  const publishers = new Map<string, PortPublisher>();
  for (const network of networks) {
    for (const port of network.ports) {
      if (port.container !== id) continue;
      const publisher = { URL: port.hostIp, TargetPort: port.containerPort, PublishedPort: port.hostPort, Protocol: port.protocol };
      publishers.set(`${publisher.URL}:${publisher.PublishedPort}:${publisher.TargetPort}/${publisher.Protocol}`, publisher);
    }
  }
  const published = new Set([...publishers.values()].map((publisher) => `${publisher.TargetPort}/${publisher.Protocol}`));
  for (const network of networks) {
    for (const entry of network.endpoints[id]?.expose ?? []) {
      for (const { port, protocol } of exposedPorts(entry)) {
        const key = `${port}/${protocol}`;
        if (!published.has(key)) publishers.set(key, { URL: '', TargetPort: port, PublishedPort: 0, Protocol: protocol });
      }
    }
  }
  return [...publishers.values()].sort((a, b) => a.TargetPort - b.TargetPort || (a.URL < b.URL ? -1 : a.URL > b.URL ? 1 : 0) || a.PublishedPort - b.PublishedPort);
}

/** `3000`, `3000-3005`, `53/udp` → the ports they name (an unreadable entry names none). */
function exposedPorts(entry: string): { port: number; protocol: string }[] {
  const match = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(entry.trim());
  if (!match) return [];
  const first = Number(match[1]);
  const last = match[2] !== undefined ? Number(match[2]) : first;
  const protocol = match[3] ?? 'tcp';
  if (last < first || last - first > 65535) return [];
  return Array.from({ length: last - first + 1 }, (_, index) => ({ port: first + index, protocol }));
}
