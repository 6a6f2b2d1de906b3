// decide(desired, observed, now) → the actions that close the gap. Pure and level-triggered: it looks
// at the whole state every time, so a missed event only delays convergence, never breaks it.
import { exitUnderReview, startsAgain } from './starts-again.js';
import { evaluateDependencies } from './dependency-gate.js';
import { actionKey } from './plan-types.js';
import type {
  Action,
  Decision,
  DesiredService,
  DesiredState,
  ObservedContainer,
  ObservedState,
  ServiceStatus,
  StopReason,
} from './plan-types.js';
import { nextRestartDelay, policyRestarts } from './restart-policy.js';

export function decide(desired: DesiredState, observed: ObservedState, now: number): Decision {
  const plan = new PlanBuilder(observed);
  const known = new Set(desired.knownServices);
  const orphans = observed.containers.filter((c) => !known.has(c.service));
  if (desired.goal === 'up') planInfrastructure(desired, observed, plan);
  const active = desired.services.filter((service) => service.goal === 'running' || service.goal === 'created');
  if (active.length > 0) decideActive(desired, active, observed, now, plan);
  decideRetiring(desired, observed, plan);
  if (desired.goal === 'down') removeInfrastructure(desired, observed, plan);
  if (desired.removeOrphans) for (const orphan of orphans) retire(orphan, 'orphan', plan);
  return plan.finish(desired.removeOrphans ? [] : orphans.map((c) => c.name));
}

/** Collects actions, dropping any whose object already has work in flight, and service statuses. */
class PlanBuilder {
  readonly actions: Action[] = [];
  readonly statuses: Record<string, ServiceStatus> = {};
  private readonly busy: Set<string>;
  private readonly emitted = new Set<string>();
  private wakeAt: number | undefined;
  private waiting = false;

  constructor(observed: ObservedState) {
    this.busy = new Set(observed.inFlight);
  }

  emit(action: Action): void {
    const key = actionKey(action);
    if (this.busy.has(key) || this.emitted.has(key)) return;
    this.emitted.add(key);
    this.actions.push(action);
  }

  status(service: string, status: ServiceStatus): void {
    this.statuses[service] = status;
    if (['pending', 'waiting', 'starting', 'restarting', 'stopping'].includes(status.state)) this.waiting = true;
  }

  wake(at: number): void {
    this.wakeAt = this.wakeAt === undefined ? at : Math.min(this.wakeAt, at);
  }

  finish(orphans: string[]): Decision {
    const settled = this.actions.length === 0 && this.busy.size === 0 && this.wakeAt === undefined && !this.waiting;
    return { actions: this.actions, services: this.statuses, settled, wakeAt: this.wakeAt, orphans };
  }
}

function planInfrastructure(desired: DesiredState, observed: ObservedState, plan: PlanBuilder): void {
  for (const network of desired.networks) if (!observed.networks.includes(network)) plan.emit({ kind: 'create-network', network });
  for (const volume of desired.volumes) if (!observed.volumes.includes(volume)) plan.emit({ kind: 'create-volume', volume });
}

/** Services whose goal is `running` or `created`: make their containers, start them in order, keep them going. */
function decideActive(
  desired: DesiredState,
  active: readonly DesiredService[],
  observed: ObservedState,
  now: number,
  plan: PlanBuilder,
): void {
  const services = new Map(desired.services.map((service) => [service.name, service]));
  // Present and not being removed: a `down` cut short and resumed may still be taking a network away.
  const inFlight = new Set(observed.inFlight ?? []);
  const infrastructureReady =
    desired.networks.every((n) => observed.networks.includes(n) && !inFlight.has(`network:${n}`)) &&
    desired.volumes.every((v) => observed.volumes.includes(v) && !inFlight.has(`volume:${v}`));
  const imageProblems = planImages(active, observed, plan);

  const byService = groupByService(observed.containers);
  // Current: the same config, from the image the name points at now (a pull or build may have moved it).
  const isCurrent = (service: DesiredService, container: ObservedContainer): boolean => {
    if (desired.recreate === 'never') return true;
    const imageId = observed.imageIds?.[service.image];
    return container.configHash === service.configHash && (imageId === undefined || container.imageId === undefined || container.imageId === imageId);
  };
  const currentContainers = (name: string): ObservedContainer[] => {
    const service = services.get(name);
    return service ? (byService.get(name) ?? []).filter((c) => isCurrent(service, c)) : [];
  };
  const gateInputs = { services, currentContainers, failedServices: observed.failedServices, busy: (container: string) => inFlight.has(`container:${container}`) };

  for (const service of active) {
    const containers = byService.get(service.name) ?? [];
    const failure = observed.failedServices[service.name];
    if (failure !== undefined) {
      plan.status(service.name, { state: 'failed', detail: failure });
      continue;
    }
    const imageProblem = imageProblems.get(service.name);
    if (imageProblem?.failed) {
      plan.emit({ kind: 'fail-service', service: service.name, reason: imageProblem.reason, hint: imageProblem.hint });
      plan.status(service.name, { state: 'failed', detail: imageProblem.reason });
      continue;
    }

    // Retire what no longer matches: stale configs and replicas beyond the scale.
    const kept: ObservedContainer[] = [];
    for (const container of containers) {
      if (!isCurrent(service, container)) retire(container, 'recreate', plan);
      else if (container.number > service.replicas) retire(container, 'scale', plan);
      else kept.push(container);
    }

    // Create missing replicas once what they need exists; dependencies gate the start, not the create.
    const occupied = new Set(containers.map((c) => c.number));
    const missing = range(1, service.replicas).filter((n) => !occupied.has(n));
    // Replicas beyond the scale go before holes below it are filled: on a small subnet their addresses are the ones free.
    const surplus = containers.some((c) => c.number > service.replicas);
    const createBlocker = !infrastructureReady
      ? 'networks and volumes'
      : imageProblem
        ? imageProblem.reason
        : surplus
          ? 'replicas beyond the scale to be removed'
          : missingCreateDependency(service, currentContainers);
    for (const number of missing) {
      if (createBlocker !== undefined) break;
      plan.emit({
        kind: 'create-container',
        service: service.name,
        number,
        container: containerName(desired.project, service, number),
        configHash: service.configHash,
      });
    }

    const gate = evaluateDependencies(service, gateInputs);
    if (!gate.open && 'failed' in gate) {
      plan.emit({ kind: 'fail-service', service: service.name, reason: gate.failed, exitCode: gate.exitCode });
      plan.status(service.name, { state: 'failed', detail: gate.failed });
      continue;
    }

    for (const container of kept) {
      planContainer(service, container, gate.open, now, currentContainers, plan);
    }
    // An exit seen while an action on the container is still running (a stop of a goal this request
    // replaced) is not this run's outcome yet: the action's result says how it ended.
    const settling = kept.some((c) => exitUnderReview(c, gateInputs.busy));
    plan.status(service.name, settling ? { state: 'starting' } : serviceStatus(service, kept, missing.length, gate.open ? undefined : gate.waitingFor, createBlocker));
  }
}

/** What to do with one container that matches the desired config. */
function planContainer(
  service: DesiredService,
  container: ObservedContainer,
  gateOpen: boolean,
  now: number,
  currentContainers: (name: string) => ObservedContainer[],
  plan: PlanBuilder,
): void {
  const start = { kind: 'start-container', service: service.name, container: container.name } as const;
  if (container.startError !== undefined) {
    plan.emit({ kind: 'fail-service', service: service.name, reason: container.startError, exitCode: container.exitCode });
    return;
  }
  if (service.goal === 'created') return;
  if (container.status === 'created') {
    if (gateOpen) plan.emit(start);
    return;
  }
  if (container.status === 'exited' || container.status === 'dead') {
    if (startsAgain(service, container)) {
      if (gateOpen) plan.emit(start);
      return;
    }
    if (!policyRestarts(service.restart, container)) return;
    const delay = nextRestartDelay(container);
    const due = (container.finishedAt ?? now) + delay;
    if (now >= due) {
      plan.emit({ kind: 'restart-container', service: service.name, container: container.name, reason: 'policy', backoffMs: delay });
    } else {
      plan.wake(due);
    }
    return;
  }
  if (container.status === 'running' && container.startedAt !== undefined) {
    if (service.restartStartedBefore !== undefined && container.startedAt < service.restartStartedBefore) {
      plan.emit({ kind: 'restart-container', service: service.name, container: container.name, reason: 'user' });
      return;
    }
    // `restart: true` on a dependency: a dependency started after us means it was restarted or recreated.
    const restartedDependency = service.dependsOn.some(
      (dependency) =>
        dependency.restart &&
        currentContainers(dependency.service).some((c) => c.startedAt !== undefined && c.startedAt > (container.startedAt ?? 0)),
    );
    if (restartedDependency) {
      plan.emit({ kind: 'restart-container', service: service.name, container: container.name, reason: 'dependency' });
    }
  }
}

interface ImageProblem {
  readonly reason: string;
  /** What the user can do about it, when decide knows. */
  readonly hint?: string | undefined;
  /** True when it can never be solved in this run; false while a pull or build is still needed. */
  readonly failed: boolean;
}

/** Pull or build every image that is missing (or that `always` wants fresh); note which services wait. */
function planImages(active: readonly DesiredService[], observed: ObservedState, plan: PlanBuilder): Map<string, ImageProblem> {
  const present = new Set(observed.images);
  const refreshed = new Set(observed.refreshedImages);
  const problems = new Map<string, ImageProblem>();
  const pulls = new Map<string, string[]>();
  for (const service of active) {
    if (service.replicas === 0) continue;
    const error = observed.imageErrors[service.image];
    if (error !== undefined) {
      problems.set(service.name, { reason: error, failed: true });
      continue;
    }
    const fresh = refreshed.has(service.image);
    // `never` (`--no-build`) builds nothing: a missing image then fails below as it would for a pull.
    const wantsBuild = service.pullPolicy === 'build' ? !fresh : service.buildable && service.pullPolicy !== 'never' && !present.has(service.image);
    if (wantsBuild) {
      plan.emit({ kind: 'build-image', image: service.image, service: service.name });
      problems.set(service.name, { reason: `image ${service.image} to be built`, failed: false });
      continue;
    }
    const wantsPull = service.pullPolicy === 'always' ? !fresh : !present.has(service.image);
    if (!wantsPull) continue;
    if (service.pullPolicy === 'never') {
      problems.set(service.name, {
        reason: `image ${service.image} is not in the local store and pull_policy is "never"`,
        hint: `load it (berth image load), pull it (berth pull ${service.name}), or set pull_policy: missing`,
        failed: true,
      });
      continue;
    }
    pulls.set(service.image, [...(pulls.get(service.image) ?? []), service.name]);
    problems.set(service.name, { reason: `image ${service.image} to be pulled`, failed: false });
  }
  for (const [image, names] of pulls) plan.emit({ kind: 'pull-image', image, services: names });
  return problems;
}

function missingCreateDependency(
  service: DesiredService,
  currentContainers: (name: string) => ObservedContainer[],
): string | undefined {
  const missing = service.createAfter.find((name) => currentContainers(name).length === 0);
  return missing === undefined ? undefined : `${missing} to be created`;
}

/** Stop a running container, remove a stopped one: the two steps of taking it away. */
function retire(container: ObservedContainer, reason: StopReason, plan: PlanBuilder): void {
  if (container.status === 'running' || container.status === 'paused') {
    plan.emit({ kind: 'stop-container', service: container.service, container: container.name, reason });
  } else {
    plan.emit({ kind: 'remove-container', service: container.service, container: container.name, reason });
  }
}

/** Services whose goal is `stopped` or `removed`, in reverse dependency order. */
function decideRetiring(desired: DesiredState, observed: ObservedState, plan: PlanBuilder): void {
  const byService = groupByService(observed.containers);
  const isRunning = (c: ObservedContainer): boolean => c.status === 'running' || c.status === 'paused';
  const retiring = desired.services.filter((service) => service.goal === 'stopped' || service.goal === 'removed');
  for (const service of retiring) {
    const containers = byService.get(service.name) ?? [];
    const removing = service.goal === 'removed';
    const reason: StopReason = !removing ? 'stop' : desired.goal === 'down' ? 'down' : 'remove';
    // A service stops once nothing that depends on it and is being stopped too still runs.
    const runningDependent = retiring.find(
      (other) =>
        other.dependsOn.some((d) => d.service === service.name) && (byService.get(other.name) ?? []).some(isRunning),
    );
    for (const container of containers) {
      if (isRunning(container)) {
        if (!runningDependent) plan.emit({ kind: 'stop-container', service: service.name, container: container.name, reason });
      } else if (removing) {
        plan.emit({ kind: 'remove-container', service: service.name, container: container.name, reason });
      }
    }
    if (containers.some(isRunning)) {
      plan.status(service.name, runningDependent ? { state: 'waiting', detail: `${runningDependent.name} to stop` } : { state: 'stopping' });
    } else if (removing) {
      plan.status(service.name, containers.length === 0 ? { state: 'removed' } : { state: 'stopping' });
    } else {
      plan.status(service.name, { state: 'stopped' });
    }
  }
}

/**
 * Networks and volumes go once no container is left on them (orphans kept without
 * --remove-orphans keep them too: the kernel would refuse to remove a bridge in use anyway).
 */
function removeInfrastructure(desired: DesiredState, observed: ObservedState, plan: PlanBuilder): void {
  if (observed.containers.length > 0) return;
  for (const network of desired.networks) if (observed.networks.includes(network)) plan.emit({ kind: 'remove-network', network });
  if (desired.removeVolumes) {
    for (const volume of desired.volumes) if (observed.volumes.includes(volume)) plan.emit({ kind: 'remove-volume', volume });
  }
}

/** One status for the service, from its replicas' states (the worst one wins). */
function serviceStatus(
  service: DesiredService,
  kept: readonly ObservedContainer[],
  missing: number,
  waitingFor: string | undefined,
  createBlocker: string | undefined,
): ServiceStatus {
  if (service.replicas === 0) return { state: 'stopped' };
  const startError = kept.find((c) => c.startError !== undefined)?.startError;
  if (startError !== undefined) return { state: 'failed', detail: startError };
  if (missing > 0 || kept.length === 0) return { state: 'pending', detail: createBlocker ?? 'creating' };
  if (service.goal === 'created') return { state: 'created' };
  if (kept.some((c) => c.status === 'created' || (c.status === 'exited' && startsAgain(service, c)))) {
    return waitingFor !== undefined ? { state: 'waiting', detail: waitingFor } : { state: 'starting' };
  }
  const exited = kept.filter((c) => c.status === 'exited' || c.status === 'dead');
  const restarting = exited.filter((c) => policyRestarts(service.restart, c));
  if (restarting.length > 0) return { state: 'restarting', detail: `exited (${restarting[0]?.exitCode ?? -1})` };
  const failedExit = exited.find((c) => c.exitCode !== 0);
  if (failedExit) return { state: 'exited', exitCode: failedExit.exitCode ?? -1 };
  if (exited.length === kept.length) return { state: 'completed' };
  if (!service.hasHealthcheck) return { state: 'running' };
  if (kept.some((c) => c.health === 'unhealthy')) return { state: 'failed', detail: 'unhealthy' };
  return kept.every((c) => c.health === 'healthy' || c.status === 'exited') ? { state: 'healthy' } : { state: 'starting' };
}

/** `<project>-<service>-<n>` as compose v2 names containers, or the fixed `container_name`. */
export function containerName(project: string, service: DesiredService, number: number): string {
  return service.containerName ?? `${project}-${service.name}-${number}`;
}

function groupByService(containers: readonly ObservedContainer[]): Map<string, ObservedContainer[]> {
  const groups = new Map<string, ObservedContainer[]>();
  for (const container of containers) {
    const group = groups.get(container.service);
    if (group) group.push(container);
    else groups.set(container.service, [container]);
  }
  for (const group of groups.values()) group.sort((a, b) => a.number - b.number);
  return groups;
}

function range(from: number, to: number): number[] {
  const numbers: number[] = [];
  for (let n = from; n <= to; n += 1) numbers.push(n);
  return numbers;
}
