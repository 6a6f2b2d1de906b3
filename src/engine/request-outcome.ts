// When a request is done, and how it went: pure judgements over a loop state.
import type { DesiredService, ServiceStatus } from '../plan/plan-types.js';
import type { ImageActivity } from './image-activity-board.js';
import type { LoopState } from '../reconcile/loop-state.js';

/** What progress displays need of a loop state; small enough to stream from berthd. */
export interface ProgressSnapshot {
  /** `inFlight`: the steps under way, so a display can show Creating, Starting, Pulling... while they run. */
  readonly observed: Pick<LoopState['observed'], 'networks' | 'volumes' | 'refreshedImages' | 'containers'> & { readonly inFlight?: readonly string[] | undefined };
  readonly decision?: { readonly services: Readonly<Record<string, ServiceStatus>> } | undefined;
  /** What the image pulls and builds under way are doing, by image reference. */
  readonly images?: Readonly<Record<string, ImageActivity>> | undefined;
}

export function progressSnapshot(state: LoopState, images: Readonly<Record<string, ImageActivity>> = {}): ProgressSnapshot {
  const { networks, volumes, refreshedImages, containers, inFlight } = state.observed;
  return {
    observed: { networks, volumes, refreshedImages, containers, inFlight },
    ...(state.decision ? { decision: { services: state.decision.services } } : {}),
    ...(Object.keys(images).length > 0 ? { images } : {}),
  };
}

export interface ServiceOutcome {
  readonly service: string;
  readonly status: ServiceStatus;
}

export interface RequestOutcome {
  readonly ok: boolean;
  readonly services: readonly ServiceOutcome[];
  /** Services that failed, with compose-like reasons. */
  readonly failures: readonly { service: string; reason: string }[];
  /** Steps given up after repeated failures (a network that could not be made). */
  readonly errors: readonly string[];
  /** Containers of services no longer in the project, left alone (without `--remove-orphans`). */
  readonly orphans?: readonly string[] | undefined;
  /** What to do about the failures, where the errors said (each once). */
  readonly hints?: readonly string[] | undefined;
}

const STILL_MOVING = new Set<ServiceStatus['state']>(['pending', 'waiting', 'stopping']);
/** Not final for `--wait`, `stop` and `down` either (decide's own notion of waiting). */
const NOT_SETTLED = new Set<ServiceStatus['state']>([...STILL_MOVING, 'starting', 'restarting']);

/** The services the request named (with what they pulled in); others of the session do not hold it up. */
function requestedServices(state: LoopState): readonly DesiredService[] {
  const requested = new Set(state.desired.requested);
  return state.desired.services.filter((service) => requested.has(service.name));
}

function idle(state: LoopState): boolean {
  return state.observed.inFlight.length === 0 && state.launch.length === 0;
}

/** Nothing can move any more: a step was given up and nothing else runs. */
function stuck(state: LoopState): boolean {
  return state.abandoned.length > 0 && idle(state);
}

/**
 * `up` without `--wait`: every service has its containers started (or has failed, or completed).
 * Health is waited for only where a dependent needs it, which the loop's gating already did.
 */
export function upStarted(state: LoopState): boolean {
  if (stuck(state)) return true;
  const decision = state.decision;
  if (!decision || !idle(state)) return false;
  return requestedServices(state).every((service) => {
    const status = decision.services[service.name];
    if (!status || STILL_MOVING.has(status.state)) return false;
    if (status.state !== 'starting') return true;
    const containers = state.observed.containers.filter((c) => c.service === service.name);
    return containers.length > 0 && containers.every((c) => c.status === 'running' || c.status === 'paused');
  });
}

/**
 * `up --wait`, `stop`, `down`: the loop has nothing left to do or wait for, or at least nothing for
 * the requested services (another service of the session may be in a restart backoff meanwhile).
 */
export function settled(state: LoopState): boolean {
  if (stuck(state)) return true;
  const decision = state.decision;
  if (!decision || !idle(state)) return false;
  if (decision.settled) return true;
  return requestedServices(state).every((service) => {
    const status = decision.services[service.name];
    return status !== undefined && !NOT_SETTLED.has(status.state);
  });
}

/** `up --wait` also ends early once a service failed for good and nothing else moves. */
export function waitFinished(state: LoopState): boolean {
  if (settled(state)) return true;
  const decision = state.decision;
  if (!decision || !idle(state)) return false;
  const statuses = requestedServices(state).flatMap((service) => decision.services[service.name] ?? []);
  return statuses.some((s) => s.state === 'failed') && statuses.every((s) => !STILL_MOVING.has(s.state) && s.state !== 'starting');
}

export function outcomeOf(state: LoopState, options: { requireHealthy: boolean }): RequestOutcome {
  const services = requestedServices(state).map((service) => ({
    service: service.name,
    status: state.decision?.services[service.name] ?? ({ state: 'pending', detail: 'not decided' } as const),
  }));
  const failures: { service: string; reason: string }[] = [];
  for (const { service, status } of services) {
    const reason = failureReason(status, options.requireHealthy);
    if (reason !== undefined) failures.push({ service, reason });
  }
  // One line per kind of step and error: ten replicas out of addresses make one line naming the ten, not ten lines.
  const grouped = new Map<string, string[]>();
  for (const { action, error } of state.abandoned) {
    const key = `${action.kind}\u0000${error}`;
    grouped.set(key, [...(grouped.get(key) ?? []), describeTarget(action)]);
  }
  // One step whose error already is its service's failure adds nothing: it is not said twice.
  const reasons = new Set(failures.map(({ reason }) => reason));
  for (const [key, targets] of grouped) if (targets.length === 1 && reasons.has(key.split('\u0000')[1] ?? '')) grouped.delete(key);
  const errors = [...grouped].map(([key, targets]) => {
    const [kind, error] = key.split('\u0000');
    return `${kind} ${targets.join(', ')}: ${error}`;
  });
  const orphans = state.decision?.orphans ?? [];
  const hints = hintsFor([...failures.map(({ reason }) => reason), ...errors], state.hints ?? {});
  return {
    ok: failures.length === 0 && errors.length === 0,
    services,
    failures,
    errors,
    ...(orphans.length > 0 ? { orphans } : {}),
    ...(hints.length > 0 ? { hints } : {}),
  };
}

/** The hints of the errors that the messages contain, each once. */
function hintsFor(messages: readonly string[], hints: Readonly<Record<string, string>>): string[] {
  const found = new Set<string>();
  for (const [error, hint] of Object.entries(hints)) if (messages.some((message) => message.includes(error))) found.add(hint);
  return [...found];
}

function failureReason(status: ServiceStatus, requireHealthy: boolean): string | undefined {
  switch (status.state) {
    case 'failed':
      return status.detail;
    case 'exited':
      return status.exitCode === 0 ? undefined : `exited with code ${status.exitCode}`;
    case 'restarting':
      return requireHealthy ? `is restarting (${status.detail})` : undefined;
    case 'pending':
    case 'waiting':
      return `never started (${status.detail})`;
    case 'starting':
      return requireHealthy ? 'did not become healthy' : undefined;
    default:
      return undefined;
  }
}

function describeTarget(action: LoopState['abandoned'][number]['action']): string {
  switch (action.kind) {
    case 'create-network':
    case 'remove-network':
      return action.network;
    case 'create-volume':
    case 'remove-volume':
      return action.volume;
    case 'pull-image':
    case 'build-image':
      return action.image;
    default:
      return 'container' in action ? action.container : action.service;
  }
}
