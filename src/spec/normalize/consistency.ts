// Checks between keys of one service that compose makes after loading and check-project.ts does not.
//
// References between services/resources, scale vs replicas, container names and mount targets are
// checked after profiles by src/spec/check-project.ts, which reports them all at once; here are only
// the resource-limit agreements, and compose's copy of `scale` into `deploy.replicas`.
import type { Project, ServiceConfig } from '../model.js';
import { type NormalizeScope, userError } from './context.js';

export function checkServiceConsistency(scope: NormalizeScope, project: Project): void {
  for (const [name, service] of Object.entries(project.services)) {
    if (service.scale !== undefined && service.scale < 0) {
      throw userError(scope, ['services', name, 'scale'], 'must be greater than or equal to 0');
    }
    // compose writes scale into an existing deploy section; a disagreement is check-project's error.
    if (service.scale !== undefined && service.deploy && service.deploy.replicas === undefined) {
      service.deploy = withReplicas(service.deploy, service.scale);
    }
    checkLimits(scope, name, service);
  }
}

/** `replicas` goes second, where compose prints it. */
function withReplicas(
  deploy: NonNullable<ServiceConfig['deploy']>,
  replicas: number,
): NonNullable<ServiceConfig['deploy']> {
  const { mode, ...rest } = deploy;
  return mode === undefined ? { replicas, ...rest } : { mode, replicas, ...rest };
}

/** The short resource keys and deploy.resources must not say different things. */
function checkLimits(scope: NormalizeScope, name: string, service: ServiceConfig): void {
  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;
  const pairs: [string, number | undefined, string, number | undefined][] = [
    ['cpus', service.cpus, 'deploy.resources.limits.cpus', limits?.cpus],
    ['mem_limit', service.mem_limit, 'deploy.resources.limits.memory', limits?.memory],
    [
      'mem_reservation',
      service.mem_reservation,
      'deploy.resources.reservations.memory',
      reservations?.memory,
    ],
    ['pids_limit', service.pids_limit, 'deploy.resources.limits.pids', limits?.pids],
  ];
  for (const [key, value, deployKey, deployValue] of pairs) {
    if (value === undefined || deployValue === undefined) continue;
    // compose compares cpus as float32.
    const same = key === 'cpus' ? Math.fround(value) === Math.fround(deployValue) : value === deployValue;
    if (!same) {
      throw userError(
        scope,
        ['services', name, key],
        `can't set distinct values on '${key}' (${value}) and '${deployKey}' (${deployValue})`,
        `keep one of them; ${deployKey} is the newer form`,
      );
    }
  }
}
