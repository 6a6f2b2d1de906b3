// Whether a service may start: its depends_on conditions against what its dependencies are doing now.
import type { DependencyCondition, DesiredService, ObservedContainer } from './plan-types.js';
import { awaitsRestart, exitUnderReview } from './starts-again.js';

const DEPENDENCY_FAILED = 'dependency failed to start: ';

export type GateResult =
  | { readonly open: true }
  | { readonly open: false; readonly waitingFor: string }
  | { readonly open: false; readonly failed: string; readonly exitCode?: number | undefined };

export interface GateInputs {
  readonly services: ReadonlyMap<string, DesiredService>;
  /** Containers of each service that match its desired config (stale ones being replaced do not count). */
  readonly currentContainers: (service: string) => readonly ObservedContainer[];
  readonly failedServices: Readonly<Record<string, string>>;
  /** Whether an action on the container is under way (its exit then is not the final word). */
  readonly busy?: ((container: string) => boolean) | undefined;
}

/**
 * Open when every condition holds; failed when one can no longer hold (compose's messages);
 * waiting otherwise. A dependency with `required: false` that fails or is absent is skipped.
 */
export function evaluateDependencies(service: DesiredService, inputs: GateInputs): GateResult {
  for (const dependency of service.dependsOn) {
    const result = evaluateCondition(dependency, inputs);
    if (result.open) continue;
    if ('failed' in result && !dependency.required) continue;
    return result;
  }
  return { open: true };
}

function evaluateCondition(dependency: DependencyCondition, inputs: GateInputs): GateResult {
  const target = inputs.services.get(dependency.service);
  if (!target) {
    return dependency.required
      ? { open: false, failed: `dependency "${dependency.service}" is not part of this project` }
      : { open: true };
  }
  if (target.replicas === 0) return { open: true };
  const failure = inputs.failedServices[dependency.service];
  // A failure that is itself a dependency's keeps its wording: one "dependency failed to start:" is enough.
  if (failure !== undefined) return { open: false, failed: failure.startsWith(DEPENDENCY_FAILED) ? failure : `${DEPENDENCY_FAILED}${failure}` };
  const containers = inputs.currentContainers(dependency.service).filter((c) => c.number <= target.replicas);
  if (containers.length < target.replicas) return { open: false, waitingFor: `${dependency.service} to be created` };

  // A container this request starts again (or whose exit an action under way may still overrule) has
  // not started in this run, whatever it did before.
  const busy = inputs.busy ?? (() => false);
  const restarting = containers.some((c) => awaitsRestart(target, c) || exitUnderReview(c, busy));
  switch (dependency.condition) {
    case 'service_started': {
      const notStarted = restarting || containers.find((c) => c.startedAt === undefined);
      return notStarted ? { open: false, waitingFor: `${dependency.service} to start` } : { open: true };
    }
    case 'service_healthy': {
      if (!target.hasHealthcheck) {
        return { open: false, failed: `dependency failed to start: container ${containers[0]?.name ?? dependency.service} has no healthcheck configured` };
      }
      if (restarting) return { open: false, waitingFor: `${dependency.service} to be healthy` };
      for (const container of containers) {
        if (container.health === 'unhealthy') {
          return { open: false, failed: `dependency failed to start: container ${container.name} is unhealthy` };
        }
        if (container.status === 'exited' || container.status === 'dead') {
          return { open: false, failed: `dependency failed to start: container ${container.name} exited (${container.exitCode ?? -1})` };
        }
      }
      const waiting = containers.find((c) => c.health !== 'healthy');
      return waiting ? { open: false, waitingFor: `${dependency.service} to be healthy` } : { open: true };
    }
    case 'service_completed_successfully': {
      if (restarting) return { open: false, waitingFor: `${dependency.service} to complete` };
      for (const container of containers) {
        if ((container.status === 'exited' || container.status === 'dead') && container.exitCode !== 0) {
          return {
            open: false,
            failed: `service "${dependency.service}" didn't complete successfully: exit ${container.exitCode ?? -1}`,
            exitCode: container.exitCode,
          };
        }
      }
      const running = containers.find((c) => c.status !== 'exited' && c.status !== 'dead');
      return running ? { open: false, waitingFor: `${dependency.service} to complete` } : { open: true };
    }
  }
}
