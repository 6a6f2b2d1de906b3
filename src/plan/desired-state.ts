// The desired state of one request (`up`, `stop`, `down`) from a loaded project: pure, no I/O.
import { createHash } from 'node:crypto';
import type { Project, ServiceConfig } from '../spec/model.js';
import { configHash } from './config-hash.js';
import { buildDependencyGraph } from './dependency-graph.js';
import type { DependencyCondition, DesiredService, DesiredState, PullPolicy } from './plan-types.js';
import { restartPolicyOf } from './restart-policy.js';

export interface DesiredStateRequest {
  readonly goal: DesiredState['goal'];
  /** Services named on the command line; all when empty. `up` adds their dependencies. */
  readonly services?: readonly string[] | undefined;
  /** When the request began (ms since the epoch). */
  readonly since: number;
  /** `force` salts every hash with `runId`, so every existing container differs from the desired one. */
  readonly recreate?: 'diverged' | 'force' | 'never' | undefined;
  readonly runId?: string | undefined;
  readonly removeOrphans?: boolean | undefined;
  readonly removeVolumes?: boolean | undefined;
  /** Whether an image declares a HEALTHCHECK, for services that set none themselves. */
  readonly imageHasHealthcheck?: ((image: string) => boolean) | undefined;
}

const IMPLICIT_SOURCES_NEEDING_A_CONTAINER = new Set(['network_mode', 'ipc', 'pid', 'volumes_from']);

export function desiredStateFromProject(project: Project, request: DesiredStateRequest): DesiredState {
  const graph = buildDependencyGraph(project.services);
  const selected =
    request.services && request.services.length > 0
      ? request.goal === 'up'
        ? graph.withDependencies(request.services)
        : [...request.services]
      : Object.keys(project.services);
  const salt = request.recreate === 'force' ? (request.runId ?? String(request.since)) : undefined;
  const services = selected.map((name): DesiredService => {
    const service = project.services[name];
    if (!service) throw new Error(`desiredStateFromProject: no service "${name}"`);
    const image = imageOf(project.name, name, service);
    const createAfter = graph.edges
      .filter((edge) => edge.from === name && IMPLICIT_SOURCES_NEEDING_A_CONTAINER.has(edge.source))
      .map((edge) => edge.to);
    return {
      name,
      configHash: salted(configHash(service), salt),
      replicas: replicasOf(service),
      image,
      pullPolicy: pullPolicyOf(service),
      dependsOn: dependenciesOf(service),
      createAfter: [...new Set(createAfter)],
      restart: restartPolicyOf(service),
      hasHealthcheck: hasHealthcheck(service, image, request.imageHasHealthcheck),
      buildable: service.build !== undefined,
      containerName: service.container_name,
    };
  });
  return {
    project: project.name,
    goal: request.goal,
    services,
    networks: Object.entries(project.networks)
      .filter(([, network]) => !network.external)
      .map(([key, network]) => network.name ?? `${project.name}_${key}`),
    volumes: Object.entries(project.volumes)
      .filter(([, volume]) => !volume.external)
      .map(([key, volume]) => volume.name ?? `${project.name}_${key}`),
    recreate: request.recreate === 'never' ? 'never' : 'diverged',
    knownServices: Object.keys(project.services),
    since: request.since,
    removeOrphans: request.removeOrphans ?? false,
    removeVolumes: request.removeVolumes ?? false,
  };
}

/** The image to run: `image:`, or the name compose gives a built one (`<project>-<service>`). */
export function imageOf(projectName: string, serviceName: string, service: ServiceConfig): string {
  return service.image ?? `${projectName}-${serviceName}`;
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
