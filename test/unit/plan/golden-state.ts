// Shorthand for golden plan files: services as small maps, containers as one line each.
//   containers: ["p-db-1 running health=healthy started=500", "p-web-1 exited exit=1 finished=900"]
import type {
  ContainerStatus,
  DependencyCondition,
  DesiredService,
  DesiredState,
  HealthStatus,
  ObservedContainer,
  ObservedState,
  PullPolicy,
  ServiceGoal,
} from '../../../src/plan/plan-types.js';
import { parseRestartPolicy } from '../../../src/plan/restart-policy.js';

interface ServiceShorthand {
  replicas?: number;
  image?: string;
  pull?: PullPolicy;
  build?: boolean;
  hash?: string;
  restart?: string;
  healthcheck?: boolean;
  after?: string[];
  container_name?: string;
  /** Default: from the project goal (up → running, stop → stopped, down → removed). */
  goal?: ServiceGoal;
  /** Default: the desired `since`. */
  since?: number;
  restart_started_before?: number;
  depends_on?: Record<string, string | { condition?: string; required?: boolean; restart?: boolean }>;
}

export interface GoldenCase {
  desired: DesiredState;
  observed: ObservedState;
  now: number;
}

export function parseGoldenCase(raw: Record<string, unknown>): GoldenCase {
  const d = (raw.desired ?? {}) as Record<string, unknown>;
  const o = (raw.observed ?? {}) as Record<string, unknown>;
  const project = (d.project as string | undefined) ?? 'p';
  const serviceMap = (d.services ?? {}) as Record<string, ServiceShorthand | null>;
  const goal = (d.goal as DesiredState['goal'] | undefined) ?? 'up';
  const defaults = { goal: SERVICE_GOAL_OF[goal], since: (d.since as number | undefined) ?? 0 };
  const services = Object.entries(serviceMap).map(([name, s]) => desiredService(name, s ?? {}, defaults));
  const hashes = new Map(services.map((s) => [s.name, s.configHash]));
  const desired: DesiredState = {
    project,
    goal,
    services,
    requested: (d.requested as string[] | undefined) ?? services.map((s) => s.name),
    networks: (d.networks as string[] | undefined) ?? [`${project}_default`],
    volumes: (d.volumes as string[] | undefined) ?? [],
    recreate: (d.recreate as DesiredState['recreate'] | undefined) ?? 'diverged',
    knownServices: (d.known as string[] | undefined) ?? services.map((s) => s.name),
    removeOrphans: (d.remove_orphans as boolean | undefined) ?? false,
    removeVolumes: (d.remove_volumes as boolean | undefined) ?? false,
  };
  const observed: ObservedState = {
    networks: (o.networks as string[] | undefined) ?? desired.networks,
    volumes: (o.volumes as string[] | undefined) ?? desired.volumes,
    images: (o.images as string[] | undefined) ?? ['busybox'],
    refreshedImages: (o.refreshed as string[] | undefined) ?? [],
    ...(o.image_ids ? { imageIds: o.image_ids as Record<string, string> } : {}),
    imageErrors: (o.image_errors as Record<string, string> | undefined) ?? {},
    containers: ((o.containers as string[] | undefined) ?? []).map((line) => observedContainer(line, project, hashes)),
    inFlight: (o.in_flight as string[] | undefined) ?? [],
    failedServices: (o.failed as Record<string, string> | undefined) ?? {},
  };
  return { desired, observed, now: (raw.now as number | undefined) ?? 1_000_000 };
}

const SERVICE_GOAL_OF: Record<DesiredState['goal'], ServiceGoal> = { up: 'running', stop: 'stopped', down: 'removed' };

function desiredService(name: string, s: ServiceShorthand, defaults: { goal: ServiceGoal; since: number }): DesiredService {
  const dependsOn: DependencyCondition[] = Object.entries(s.depends_on ?? {}).map(([service, value]) => {
    const long = typeof value === 'string' ? { condition: value } : value;
    return {
      service,
      condition: (long.condition ?? 'service_started') as DependencyCondition['condition'],
      required: long.required ?? true,
      restart: long.restart ?? false,
    };
  });
  return {
    name,
    goal: s.goal ?? defaults.goal,
    since: s.since ?? defaults.since,
    ...(s.restart_started_before !== undefined ? { restartStartedBefore: s.restart_started_before } : {}),
    configHash: s.hash ?? `h-${name}`,
    replicas: s.replicas ?? 1,
    image: s.image ?? 'busybox',
    pullPolicy: s.pull ?? 'missing',
    dependsOn,
    createAfter: s.after ?? [],
    restart: parseRestartPolicy(s.restart ?? 'no'),
    hasHealthcheck: s.healthcheck ?? false,
    buildable: s.build ?? false,
    containerName: s.container_name,
  };
}

/** `p-web-2 running hash=old health=healthy started=5 finished=9 exit=1 restarts=2 backoff=400 user-stopped stopped-by=stop oom start-error=...` */
function observedContainer(line: string, project: string, hashes: Map<string, string>): ObservedContainer {
  const [name = '', status = 'running', ...fields] = line.split(' ');
  const match = new RegExp(`^${project}-(.+)-(\\d+)$`).exec(name);
  const service = field(fields, 'service') ?? match?.[1] ?? name;
  const number = Number(field(fields, 'number') ?? match?.[2] ?? 1);
  const numeric = (key: string): number | undefined => {
    const value = field(fields, key);
    return value === undefined ? undefined : Number(value);
  };
  return {
    name,
    service,
    number,
    status: status as ContainerStatus,
    configHash: field(fields, 'hash') ?? hashes.get(service) ?? `h-${service}`,
    imageId: field(fields, 'image'),
    health: field(fields, 'health') as HealthStatus | undefined,
    exitCode: numeric('exit'),
    startedAt: numeric('started') ?? (status === 'created' ? undefined : 1),
    finishedAt: numeric('finished'),
    restartCount: numeric('restarts') ?? 0,
    lastBackoffMs: numeric('backoff'),
    stoppedByUser: fields.includes('user-stopped'),
    stoppedBy: field(fields, 'stopped-by') as ObservedContainer['stoppedBy'],
    oomKilled: fields.includes('oom'),
    startError: field(fields, 'start-error')?.replaceAll('_', ' '),
  };
}

function field(fields: string[], key: string): string | undefined {
  const found = fields.find((f) => f.startsWith(`${key}=`));
  return found?.slice(key.length + 1);
}
