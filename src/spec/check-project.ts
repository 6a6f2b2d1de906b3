// Project-level checks docker compose makes after loading: references between parts, cycles, names.
//
// Messages are compose's own (compose-go's checkConsistency, CheckCycle, CheckContainerNameUnicity),
// so a user who searches for them finds answers; each error adds the key path, the position and a
// hint. Compose stops at the first problem; we report every one, in service order.
import { formatKeyPath, type SourcePosition, UserError } from '../errors.js';
import { breakCycleHint, buildDependencyGraph, type DependencyEdge } from '../plan/dependency-graph.js';
import { suggest } from './did-you-mean.js';
import type { Project, ServiceConfig } from './model.js';
import { disabledServices } from './profiles.js';

type KeyPath = (string | number)[];
export type LocateKey = (path: KeyPath) => SourcePosition | undefined;

const INVALID = 'invalid compose project';

export function checkProject(project: Project, locateService?: LocateKey): UserError[] {
  const errors: UserError[] = [];
  const report = (message: string, path: KeyPath, hint?: string): void => {
    errors.push(
      new UserError(message, { keyPath: formatKeyPath(path), position: locateService?.(path), hint }),
    );
  };
  const disabled = disabledServices(project);
  const graph = buildDependencyGraph(project.services);
  const containerNames = new Map<string, string>();

  for (const [name, service] of Object.entries(project.services)) {
    const at = (...rest: KeyPath): KeyPath => ['services', name, ...rest];

    if (!service.image && !service.build && !service.provider) {
      report(
        `service "${name}" has neither an image nor a build context specified: ${INVALID}`,
        at(),
        'add `image:` to run an existing image, or `build:` to build one',
      );
    }
    if (service.build?.dockerfile && service.build.dockerfile_inline) {
      report(
        `service "${name}" declares mutually exclusive dockerfile and dockerfile_inline: ${INVALID}`,
        at('build'),
        'keep one of them',
      );
    }
    if (service.network_mode && service.networks && Object.keys(service.networks).length > 0) {
      report(
        `service ${name} declares mutually exclusive \`network_mode\` and \`networks\`: ${INVALID}`,
        at('network_mode'),
        'a service either joins networks or shares another network namespace; remove one of the two',
      );
    }
    for (const network of Object.keys(service.networks ?? {})) {
      if (!(network in project.networks)) {
        report(
          `service "${name}" refers to undefined network ${network}: ${INVALID}`,
          at('networks', network),
          declareHint(network, Object.keys(project.networks), 'networks'),
        );
      }
    }

    const implicit = graph.unknownReferences.filter(
      (edge) => edge.from === name && edge.source !== 'depends_on',
    );
    checkServiceReferences(project, name, service, implicit, disabled, report);

    for (const [index, volume] of (service.volumes ?? []).entries()) {
      if (volume.type === 'volume' && volume.source && !(volume.source in project.volumes)) {
        report(
          `service "${name}" refers to undefined volume ${volume.source}: ${INVALID}`,
          at('volumes', index),
          declareHint(volume.source, Object.keys(project.volumes), 'volumes'),
        );
      }
    }
    for (const [index, secret] of (service.build?.secrets ?? []).entries()) {
      if (!(secret.source in project.secrets)) {
        report(
          `service "${name}" refers to undefined build secret ${secret.source}: ${INVALID}`,
          at('build', 'secrets', index),
          declareHint(secret.source, Object.keys(project.secrets), 'secrets'),
        );
      }
    }
    for (const [kind, list, declared] of [
      ['config', service.configs, project.configs],
      ['secret', service.secrets, project.secrets],
    ] as const) {
      for (const [index, reference] of (list ?? []).entries()) {
        if (!(reference.source in declared)) {
          report(
            `service "${name}" refers to undefined ${kind} ${reference.source}: ${INVALID}`,
            at(`${kind}s`, index),
            declareHint(reference.source, Object.keys(declared), `${kind}s`),
          );
        }
      }
    }
    for (const model of Object.keys(service.models ?? {})) {
      if (!(model in (project.models ?? {}))) {
        report(
          `service "${name}" refers to undefined model ${model}: ${INVALID}`,
          at('models', model),
          declareHint(model, Object.keys(project.models ?? {}), 'models'),
        );
      }
    }

    checkScaleAndNames(name, service, containerNames, report);
    checkMountTargets(name, service, report);
  }

  const cycle = graph.findCycle();
  if (cycle) {
    const first = graph.edge(cycle[0] ?? '', cycle[1] ?? '');
    report(
      `dependency cycle detected: ${cycle.join(' -> ')}`,
      first?.keyPath ?? ['services'],
      breakCycleHint,
    );
  }
  return errors;
}

type Report = (message: string, path: KeyPath, hint?: string) => void;

/**
 * depends_on, links, volumes_from and `service:` namespaces must name a service in play. Compose turns
 * the implicit ones into required depends_on entries, hence one message for all; a depends_on entry
 * with `required: false` may name a service disabled by profiles (but not one that does not exist).
 */
function checkServiceReferences(
  project: Project,
  name: string,
  service: ServiceConfig,
  implicit: readonly DependencyEdge[],
  disabled: Readonly<Record<string, ServiceConfig>>,
  report: Report,
): void {
  const reported = new Set<string>();
  const fail = (target: string, path: KeyPath): void => {
    if (reported.has(target)) return;
    reported.add(target);
    const off = disabled[target];
    const hint = off
      ? `service "${target}" is not enabled: it belongs to profile ${(off.profiles ?? []).join(', ')}; enable it with --profile ${off.profiles?.[0] ?? ''}`
      : didYouMean(target, Object.keys(project.services));
    report(`service "${name}" depends on undefined service "${target}": ${INVALID}`, path, hint);
  };
  for (const [target, dependency] of Object.entries(service.depends_on ?? {})) {
    if (target in project.services) continue;
    if (target in disabled && !dependency.required) continue;
    fail(target, ['services', name, 'depends_on', target]);
  }
  for (const reference of implicit) fail(reference.to, reference.keyPath);
}

function checkScaleAndNames(
  name: string,
  service: ServiceConfig,
  containerNames: Map<string, string>,
  report: Report,
): void {
  const replicas = service.deploy?.replicas;
  if (service.scale !== undefined && replicas !== undefined && service.scale !== replicas) {
    report(
      `services.${name}: can't set distinct values on 'scale' and 'deploy.replicas': ${INVALID}`,
      ['services', name, 'scale'],
      'set only one of them',
    );
  }
  const scale = service.scale ?? replicas ?? 1;
  if (service.container_name === undefined || service.container_name === '') return;
  if (scale > 1) {
    const attribute = service.scale !== undefined ? 'scale' : 'deploy.replicas';
    report(
      `services.${name}: can't set container_name and ${attribute} as container name must be unique: ${INVALID}`,
      ['services', name, 'container_name'],
      `remove container_name to run ${scale} replicas, or run one`,
    );
  }
  const owner = containerNames.get(service.container_name);
  if (owner !== undefined) {
    report(
      `services.${name}: container name "${service.container_name}" is already in use by service ${owner}`,
      ['services', name, 'container_name'],
      'give each service its own container_name',
    );
  } else containerNames.set(service.container_name, name);
}

/** Two mounts on one target (tmpfs or volumes) cannot both exist. */
function checkMountTargets(name: string, service: ServiceConfig, report: Report): void {
  const mounts = new Map<string, string>();
  const claim = (target: string, path: KeyPath): void => {
    const previous = mounts.get(target);
    const where = formatKeyPath(path);
    if (previous !== undefined) {
      report(
        `${where}: target ${target} already mounted as ${previous}`,
        path,
        'mount one thing per target path',
      );
    } else mounts.set(target, where);
  };
  for (const [index, tmpfs] of (service.tmpfs ?? []).entries()) {
    claim(tmpfs.split(':')[0] ?? tmpfs, ['services', name, 'tmpfs', index]);
  }
  for (const [index, volume] of (service.volumes ?? []).entries()) {
    claim(volume.target, ['services', name, 'volumes', index]);
  }
}

function declareHint(name: string, declared: string[], section: string): string {
  const guess = suggest(name, declared);
  return guess ? `did you mean "${guess}"?` : `declare it under the top-level \`${section}:\``;
}

function didYouMean(name: string, candidates: string[]): string | undefined {
  const guess = suggest(name, candidates);
  return guess ? `did you mean "${guess}"?` : undefined;
}
