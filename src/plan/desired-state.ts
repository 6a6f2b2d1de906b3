// The desired state of one request (`up`, `stop`, `down`, `restart`...) from a loaded project: pure, no I/O.
import { createHash } from 'node:crypto';
import type { Project, ServiceConfig } from '../spec/model.js';
import { configHash } from './config-hash.js';
import { buildDependencyGraph } from './dependency-graph.js';
import type { DependencyCondition, DesiredService, DesiredState, PullPolicy, ServiceGoal } from './plan-types.js';
import { restartPolicyOf } from './restart-policy.js';

/** The stack commands that change what should run. */
export type StackCommand = 'up' | 'create' | 'start' | 'restart' | 'stop' | 'rm' | 'down';

export interface DesiredStateRequest {
  readonly command: StackCommand;
  /** Services named on the command line; all when empty. `up`, `create` and `start` add their dependencies. */
  readonly services?: readonly string[] | undefined;
  /** `--no-deps`: only the named services, started without waiting for their dependencies. */
  readonly noDeps?: boolean | undefined;
  /** When the request began (ms since the epoch). */
  readonly since: number;
  /** `force` salts the hashes of the named services (all, when none are named) with `runId`, so their containers differ from the desired ones. */
  readonly recreate?: 'diverged' | 'force' | 'never' | undefined;
  readonly runId?: string | undefined;
  readonly removeOrphans?: boolean | undefined;
  /** `--always-recreate-deps`: the dependencies pulled in by named services are recreated too. */
  readonly recreateDependencies?: boolean | undefined;
  readonly removeVolumes?: boolean | undefined;
  /** Whether an image declares a HEALTHCHECK, for services that set none themselves. */
  readonly imageHasHealthcheck?: ((image: string) => boolean) | undefined;
}


/** What each command makes of its services, and of the project's networks and volumes. */
const COMMAND_GOALS: Record<StackCommand, { service: ServiceGoal; project: DesiredState['goal']; withDependencies: boolean }> = {
  up: { service: 'running', project: 'up', withDependencies: true },
  create: { service: 'created', project: 'up', withDependencies: true },
  start: { service: 'running', project: 'up', withDependencies: true },
  restart: { service: 'running', project: 'up', withDependencies: false },
  stop: { service: 'stopped', project: 'stop', withDependencies: false },
  rm: { service: 'removed', project: 'stop', withDependencies: false },
  down: { service: 'removed', project: 'down', withDependencies: false },
};

export function desiredStateFromProject(project: Project, request: DesiredStateRequest): DesiredState {
  const graph = buildDependencyGraph(project.services);
  const goals = COMMAND_GOALS[request.command];
  const named = request.command !== 'down' && request.services && request.services.length > 0 ? request.services : undefined;
  const selected = named ? (goals.withDependencies && !request.noDeps ? graph.withDependencies(named) : [...named]) : Object.keys(project.services);
  const runSalt = request.runId ?? String(request.since);
  // As compose: --force-recreate applies to the named services, --always-recreate-deps to what they pulled in.
  const saltFor = (name: string): string | undefined =>
    (named === undefined || named.includes(name) ? request.recreate === 'force' : request.recreateDependencies === true) ? runSalt : undefined;
  const services = selected.map((name): DesiredService => {
    const service = project.services[name];
    if (!service) throw new Error(`desiredStateFromProject: no service "${name}"`);
    const image = imageOf(project.name, name, service);
    const createAfter = servicesNeededAtCreate(service);
    return {
      name,
      goal: goals.service,
      since: request.since,
      ...(request.command === 'restart' ? { restartStartedBefore: request.since } : {}),
      configHash: salted(configHash(service), saltFor(name)),
      replicas: replicasOf(service),
      image,
      pullPolicy: pullPolicyOf(service),
      dependsOn: request.noDeps ? [] : dependenciesOf(service),
      createAfter: [...new Set(createAfter)],
      restart: restartPolicyOf(service),
      hasHealthcheck: hasHealthcheck(service, image, request.imageHasHealthcheck),
      buildable: service.build !== undefined,
      containerName: service.container_name,
    };
  });
  return {
    project: project.name,
    goal: goals.project,
    services,
    requested: services.map((service) => service.name),
    networks: Object.entries(project.networks)
      .filter(([, network]) => !network.external)
      .map(([key, network]) => network.name ?? `${project.name}_${key}`),
    volumes: Object.entries(project.volumes)
      .filter(([, volume]) => !volume.external)
      .map(([key, volume]) => volume.name ?? `${project.name}_${key}`),
    recreate: request.recreate === 'never' ? 'never' : 'diverged',
    knownServices: Object.keys(project.services),
    removeOrphans: request.removeOrphans ?? false,
    removeVolumes: request.removeVolumes ?? false,
  };
}

/** The image to run: `image:`, or the name compose gives a built one (`<project>-<service>`). */
export function imageOf(projectName: string, serviceName: string, service: ServiceConfig): string {
  return service.image ?? `${projectName}-${serviceName}`;
}

/**
 * The services whose container must exist before this one is created: `network_mode`, `ipc` and `pid`
 * of `service:x` join x's namespaces, `volumes_from: [x]` takes x's mounts. Read from the keys
 * themselves: the loader also turns them into `depends_on` entries, which is only about starting.
 */
function servicesNeededAtCreate(service: ServiceConfig): string[] {
  const needed = [service.network_mode, service.ipc, service.pid]
    .filter((value): value is string => value?.startsWith('service:') === true)
    .map((value) => value.slice('service:'.length));
  for (const item of service.volumes_from ?? []) if (!item.startsWith('container:')) needed.push(item.split(':')[0] ?? item);
  return needed;
}

function replicasOf(service: ServiceConfig): number {
  return service.scale ?? service.deploy?.replicas ?? 1;
}

function pullPolicyOf(service: ServiceConfig): PullPolicy {
  switch (service.pull_policy) {
    case 'always':
      return 'always';
    case 'never':
      return 'never';
    case 'build':
      return 'build';
    default:
      // `missing`, `if_not_present`, and the periodic forms (`daily`, `every_12h`) which act as
      // `missing` until berth records pull times.
      return 'missing';
  }
}

function dependenciesOf(service: ServiceConfig): DependencyCondition[] {
  return Object.entries(service.depends_on ?? {}).map(([name, dependency]) => ({
    service: name,
    condition: normaliseCondition(dependency.condition),
    required: dependency.required,
    restart: dependency.restart ?? false,
  }));
}

function normaliseCondition(condition: string): DependencyCondition['condition'] {
  return condition === 'service_healthy' || condition === 'service_completed_successfully' ? condition : 'service_started';
}

function hasHealthcheck(
  service: ServiceConfig,
  image: string,
  imageHasHealthcheck: ((image: string) => boolean) | undefined,
): boolean {
  const check = service.healthcheck;
  if (check?.disable || check?.test?.[0] === 'NONE') return false;
  if (check?.test && check.test.length > 0) return true;
  return imageHasHealthcheck?.(image) ?? false;
}

function salted(hash: string, salt: string | undefined): string {
  return salt === undefined ? hash : createHash('sha256').update(`${hash}\0${salt}`).digest('hex');
}
