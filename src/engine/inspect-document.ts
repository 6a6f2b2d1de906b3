// A container as `docker inspect` shows it (its field names and shapes), built from what berth records (pure).
import path from 'node:path';
import type { NetworkRecord } from '../network/network-store.js';
import type { HealthState } from '../reconcile/health-monitor.js';
import type { ContainerStatus } from '../runtime/container-runtime.js';
import type { RuntimeMount, RuntimeSpec } from '../runtime/oci-spec.js';
import type { PortPublisher } from './project-containers.js';
import { dockerState } from './project-containers.js';
import { INIT_PATH_IN_CONTAINER } from '../runtime/linux-defaults.js';

/** Everything the document is made of, read by `readInspectFacts`. */
export interface InspectFacts {
  status: ContainerStatus;
  /** The bundle's config.json; absent once /run was cleared (a reboot). */
  spec?: RuntimeSpec | undefined;
  health?: HealthState | undefined;
  restartCount: number;
  /** `sha256:` image ID, when the image is still in the store. */
  imageId?: string | undefined;
  logPath: string;
  /** Networks with an endpoint of this container. */
  networks: readonly NetworkRecord[];
  /** DNS names per network (the container's name, service, aliases, short id). */
  dnsNames: Readonly<Record<string, readonly string[]>>;
  publishers: readonly PortPublisher[];
  /** Where named volumes live (`<root>/volumes`): a bind from `<dir>/<name>/_data` is the volume `<name>`. */
  volumesDir: string;
}

/** Go's zero time, which Docker prints for "never". */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function isoTime(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? ZERO_TIME : new Date(ms).toISOString();
}

/** The command as the user wrote it: `init: true`'s wrapper left out, as Docker shows it. */
function commandArgs(spec: RuntimeSpec | undefined): string[] {
  const args = spec?.process.args ?? [];
  return args[0] === INIT_PATH_IN_CONTAINER && args[1] === '--' ? args.slice(2) : args;
}

function healthDocument(health: HealthState): Record<string, unknown> {
  return {
    Status: health.status,
    FailingStreak: health.failingStreak,
    Log: health.log.map((result) => ({ Start: isoTime(result.start), End: isoTime(result.end), ExitCode: result.exitCode, Output: result.output })),
  };
}

function stateDocument(facts: InspectFacts): Record<string, unknown> {
  const { status } = facts;
  const { state, exitCode } = dockerState(status);
  const running = state === 'running' || state === 'paused';
  return {
    Status: state,
    Running: running,
    Paused: state === 'paused',
    Restarting: false,
    OOMKilled: status.oomKilled,
    Dead: false,
    Pid: running ? (status.pid ?? 0) : 0,
    ExitCode: exitCode,
    Error: '',
    StartedAt: status.record.startedAt ?? ZERO_TIME,
    FinishedAt: state === 'exited' ? isoTime(status.finishedAt) : ZERO_TIME,
    ...(facts.health ? { Health: healthDocument(facts.health) } : {}),
  };
}

/** Docker's mount record: named volumes by name, binds by path, tmpfs. */
export function mountDocument(mount: RuntimeMount, volumesDir: string): Record<string, unknown> {
  const rw = !mount.options.includes('ro');
  if (mount.type === 'tmpfs') return { Type: 'tmpfs', Source: '', Destination: mount.destination, Mode: '', RW: rw, Propagation: '' };
  const relative = path.relative(volumesDir, mount.source);
  const parts = relative.split(path.sep);
  if (parts.length === 2 && parts[1] === '_data' && parts[0] && !relative.startsWith('..')) {
    return { Type: 'volume', Name: parts[0], Source: mount.source, Destination: mount.destination, Driver: 'local', Mode: 'z', RW: rw, Propagation: '' };
  }
  const propagation = mount.options.find((option) => /^r?(private|shared|slave)$/.test(option)) ?? 'rprivate';
  return { Type: 'bind', Source: mount.source, Destination: mount.destination, Mode: '', RW: rw, Propagation: propagation };
}

/** `"80/tcp": [{HostIp, HostPort}]`, or null for a port only exposed. */
function portsDocument(publishers: readonly PortPublisher[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const publisher of publishers) {
    const key = `${publisher.TargetPort}/${publisher.Protocol}`;
    if (publisher.PublishedPort === 0) {
      ports[key] ??= null;
      continue;
    }
    ports[key] = [...(ports[key] ?? []), { HostIp: publisher.URL, HostPort: String(publisher.PublishedPort) }];
  }
  return ports;
}

function networksDocument(facts: InspectFacts): Record<string, unknown> {
  const id = facts.status.record.id;
  const networks: Record<string, unknown> = {};
  for (const network of facts.networks) {
    const endpoint = network.endpoints[id];
    if (!endpoint) continue;
    const dnsNames = [...(facts.dnsNames[network.name] ?? [])];
    networks[network.name] = {
      IPAMConfig: null,
      Links: null,
      Aliases: dnsNames.filter((name) => name !== id.slice(0, 12)),
      MacAddress: endpoint.mac,
      DriverOpts: null,
      NetworkID: network.id,
      EndpointID: '',
      Gateway: network.addressing.gateway,
      IPAddress: endpoint.address,
      IPPrefixLen: Number(network.addressing.subnet.split('/')[1] ?? 0),
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: dnsNames.length ? dnsNames : null,
    };
  }
  return networks;
}

/** The user as Docker's Config.User has it: empty for root. */
function userText(spec: RuntimeSpec | undefined): string {
  const user = spec?.process.user;
  if (!user || (user.uid === 0 && user.gid === 0)) return '';
  return `${user.uid}:${user.gid}`;
}

/** Where the container's /etc files come from (the host files bound over them). */
function etcSource(spec: RuntimeSpec | undefined, file: string): string {
  return spec?.mounts.find((mount) => mount.destination === `/etc/${file}`)?.source ?? '';
}

/** One element of `docker inspect`'s array. */
export function inspectDocument(facts: InspectFacts): Record<string, unknown> {
  const { record } = facts.status;
  const args = commandArgs(facts.spec);
  const exposed = Object.fromEntries([...new Set(facts.publishers.map((publisher) => `${publisher.TargetPort}/${publisher.Protocol}`))].map((key) => [key, {}]));
  return {
    Id: record.id,
    Created: record.created,
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: stateDocument(facts),
    Image: facts.imageId ?? '',
    ResolvConfPath: etcSource(facts.spec, 'resolv.conf'),
    HostnamePath: etcSource(facts.spec, 'hostname'),
    HostsPath: etcSource(facts.spec, 'hosts'),
    LogPath: facts.logPath,
    Name: `/${record.name}`,
    RestartCount: facts.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    Mounts: record.mounts.map((mount) => mountDocument(mount, facts.volumesDir)),
    Config: {
      Hostname: facts.spec?.hostname ?? '',
      Domainname: '',
      User: userText(facts.spec),
      AttachStdin: false,
      AttachStdout: !record.stdinOpen,
      AttachStderr: !record.stdinOpen,
      ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
      Tty: record.tty,
      OpenStdin: record.stdinOpen,
      StdinOnce: false,
      Env: facts.spec?.process.env ?? [],
      Cmd: args,
      Image: record.image,
      Volumes: null,
      WorkingDir: facts.spec?.process.cwd ?? '',
      Entrypoint: null,
      OnBuild: null,
      Labels: record.labels,
      StopSignal: record.stopSignal,
      StopTimeout: Math.round(record.stopGracePeriodMs / 1000),
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: record.netnsPath ?? '',
      Ports: portsDocument(facts.publishers),
      Networks: networksDocument(facts),
    },
  };
}
