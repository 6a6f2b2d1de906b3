// The loop's memory: desired and observed state, folded from events by one pure reducer.
import { decide } from '../plan/decide.js';
import { actionKey } from '../plan/plan-types.js';
import type { Action, Decision, DesiredState, HealthStatus, ObservedContainer, ObservedState } from '../plan/plan-types.js';

/** Something that happened: a request, an action's result, a kernel or monitor event, a timer. */
export type LoopEvent =
  | { readonly type: 'desired'; readonly desired: DesiredState }
  | { readonly type: 'tick' }
  | { readonly type: 'action-done'; readonly action: Action; readonly changes: readonly ObservedChange[] }
  | { readonly type: 'action-failed'; readonly action: Action; readonly error: string; readonly exitCode?: number | undefined; readonly hint?: string | undefined }
  | {
      readonly type: 'container-exited';
      readonly container: string;
      readonly exitCode: number;
      readonly at: number;
      /** When the run that exited was started (its record's time), when known. */
      readonly runStartedAt?: number | undefined;
      readonly oomKilled?: boolean | undefined;
    }
  | { readonly type: 'health'; readonly container: string; readonly health: HealthStatus }
  /** Changes seen outside the loop's own actions (an image loaded meanwhile, a state re-read). */
  | { readonly type: 'observed'; readonly changes: readonly ObservedChange[] };

/** What an executed action changed in the world, as the executor reports it. */
export type ObservedChange =
  | { readonly kind: 'container'; readonly container: ObservedContainer }
  | { readonly kind: 'container-removed'; readonly container: string }
  /** A command acted on a container outside the loop (`kill`, `pause`, `unpause`). */
  | { readonly kind: 'container-patch'; readonly container: string; readonly patch: Partial<Pick<ObservedContainer, 'status' | 'stoppedByUser' | 'stoppedBy'>> }
  | { readonly kind: 'network'; readonly network: string; readonly present: boolean }
  | { readonly kind: 'volume'; readonly volume: string; readonly present: boolean }
  | { readonly kind: 'image'; readonly image: string; readonly refreshed: boolean; readonly id?: string | undefined };

/** An action that failed too often to be tried again in this run, kept for the final report. */
export interface AbandonedAction {
  readonly action: Action;
  readonly error: string;
}

export interface LoopState {
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly decision: Decision | undefined;
  /** Actions decided by the last event and not yet handed to the executor. */
  readonly launch: readonly Action[];
  /** Consecutive failures per action key (container and network steps are retried a few times). */
  readonly failures: Readonly<Record<string, number>>;
  readonly abandoned: readonly AbandonedAction[];
  /** What to do about an error, by its message (from the UserError that carried it, or from decide). */
  readonly hints?: Readonly<Record<string, string>>;
}

/** Attempts before an action on the same object is given up for this run. */
export const MAX_ACTION_ATTEMPTS = 3;

export const EMPTY_OBSERVED: ObservedState = {
  networks: [],
  volumes: [],
  images: [],
  refreshedImages: [],
  imageErrors: {},
  containers: [],
  inFlight: [],
  failedServices: {},
};

/** Fold one event into the observed state (and desired, for requests). Pure. */
export function applyEvent(state: LoopState, event: LoopEvent): LoopState {
  switch (event.type) {
    case 'desired':
      // A new request tries again what failed under the previous one, and pulls (`always`) or builds
      // (`--build`) afresh: "once per request", not once per session.
      return {
        ...state,
        desired: event.desired,
        observed: { ...state.observed, failedServices: {}, imageErrors: {}, refreshedImages: [] },
        failures: {},
        abandoned: [],
        hints: {},
      };
    case 'tick':
      return state;
    case 'action-done': {
      const key = actionKey(event.action);
      const observed = event.changes.reduce(applyChange, withoutInFlight(state.observed, key));
      const failures = { ...state.failures };
      delete failures[key];
      return { ...state, observed, failures };
    }
    case 'action-failed':
      return applyFailure(withHint(state, event.error, event.hint), event.action, event.error, event.exitCode);
    case 'container-exited':
      // The exit of a run older than the container's latest start arrives late (a restart outran the
      // exit watcher): the container runs again, and that exit is history. (Run times, not the exit
      // file's: file times are coarse, and a quick process may seem to exit before it started.)
      return updateContainer(state, event.container, (c) =>
        event.runStartedAt !== undefined && c.startedAt !== undefined && event.runStartedAt < c.startedAt
          ? c
          : { ...c, status: 'exited', exitCode: event.exitCode, finishedAt: event.at, exitedRunStartedAt: event.runStartedAt, oomKilled: event.oomKilled ?? false },
      );
    case 'health':
      return updateContainer(state, event.container, (c) => ({ ...c, health: event.health }));
    case 'observed':
      return { ...state, observed: event.changes.reduce(applyChange, state.observed) };
  }
}

function applyFailure(state: LoopState, action: Action, error: string, exitCode: number | undefined): LoopState {
  const key = actionKey(action);
  const observed = withoutInFlight(state.observed, key);
  switch (action.kind) {
    case 'pull-image':
    case 'build-image':
      // An image that cannot be had fails its services; retrying in the same run only repeats the error.
      return { ...state, observed: { ...observed, imageErrors: { ...observed.imageErrors, [action.image]: error } } };
    case 'start-container':
    case 'restart-container':
      return updateContainer({ ...state, observed }, action.container, (c) => ({
        ...c,
        status: 'exited',
        startError: error,
        exitCode: exitCode ?? c.exitCode,
      }));
    case 'fail-service':
      return { ...state, observed };
    default: {
      const attempts = (state.failures[key] ?? 0) + 1;
      const failures = { ...state.failures, [key]: attempts };
      if (action.kind === 'create-container' && attempts >= MAX_ACTION_ATTEMPTS) {
        const failedServices = { ...observed.failedServices, [action.service]: error };
        return { ...state, observed: { ...observed, failedServices }, failures, abandoned: [...state.abandoned, { action, error }] };
      }
      const abandoned = attempts >= MAX_ACTION_ATTEMPTS ? [...state.abandoned, { action, error }] : state.abandoned;
      return { ...state, observed, failures, abandoned };
    }
  }
}

/**
 * Decide, and record the actions as launched. A failed service can fail others in turn, so decide
 * again while it reports failures: the decision kept is the one with nothing left to fail.
 */
export function decideAndLaunch(state: LoopState, now: number): LoopState {
  let next = launchActions({ ...state, launch: [] }, decide(state.desired, state.observed, now));
  for (let round = 0; round < state.desired.services.length; round += 1) {
    if (!next.decision?.actions.some((action) => action.kind === 'fail-service')) break;
    const again = launchActions(next, decide(next.desired, next.observed, now));
    next = { ...again, launch: [...next.launch, ...again.launch] };
  }
  return next;
}

/** Record the decided actions as in flight (fail-service is bookkeeping, done at once). */
function launchActions(state: LoopState, decision: Decision): LoopState {
  const inFlight = new Set(state.observed.inFlight);
  const launch: Action[] = [];
  let failedServices = state.observed.failedServices;
  let hints = state.hints;
  for (const action of decision.actions) {
    const key = actionKey(action);
    if ((state.failures[key] ?? 0) >= MAX_ACTION_ATTEMPTS) continue;
    if (action.kind === 'fail-service') {
      failedServices = { ...failedServices, [action.service]: action.reason };
      if (action.hint !== undefined) hints = { ...hints, [action.reason]: action.hint };
      continue;
    }
    inFlight.add(key);
    launch.push(action);
  }
  return { ...state, decision, launch, hints, observed: { ...state.observed, inFlight: [...inFlight], failedServices } };
}

function applyChange(observed: ObservedState, change: ObservedChange): ObservedState {
  switch (change.kind) {
    case 'container': {
      const current = observed.containers.find((c) => c.name === change.container.name);
      const others = observed.containers.filter((c) => c.name !== change.container.name);
      // Results of start, stop and restart do not repeat the image ID that the create or the observation gave.
      const next = change.container.imageId === undefined && current?.imageId !== undefined ? { ...change.container, imageId: current.imageId } : change.container;
      return { ...observed, containers: [...others, keepExitSeenMeanwhile(current, next)] };
    }
    case 'container-removed':
      return { ...observed, containers: observed.containers.filter((c) => c.name !== change.container) };
    case 'container-patch':
      return { ...observed, containers: observed.containers.map((c) => (c.name === change.container ? { ...c, ...change.patch } : c)) };
    case 'network':
      return { ...observed, networks: toggle(observed.networks, change.network, change.present) };
    case 'volume':
      return { ...observed, volumes: toggle(observed.volumes, change.volume, change.present) };
    case 'image':
      return {
        ...observed,
        images: toggle(observed.images, change.image, true),
        ...(change.id !== undefined ? { imageIds: { ...observed.imageIds, [change.image]: change.id } } : {}),
        refreshedImages: change.refreshed ? toggle(observed.refreshedImages, change.image, true) : observed.refreshedImages,
      };
  }
}

function withHint(state: LoopState, error: string, hint: string | undefined): LoopState {
  return hint === undefined ? state : { ...state, hints: { ...state.hints, [error]: hint } };
}

function updateContainer(state: LoopState, name: string, update: (c: ObservedContainer) => ObservedContainer): LoopState {
  const containers = state.observed.containers.map((c) => (c.name === name ? update(c) : c));
  return { ...state, observed: { ...state.observed, containers } };
}

function withoutInFlight(observed: ObservedState, key: string): ObservedState {
  return { ...observed, inFlight: observed.inFlight.filter((k) => k !== key) };
}

function toggle(list: readonly string[], item: string, present: boolean): string[] {
  const without = list.filter((x) => x !== item);
  return present ? [...without, item] : without;
}

/**
 * A start reports "running", but a quick process may already have exited, and its exit event may have
 * been folded in before the start's result. The exit belongs to this run when the run it ended began
 * at or after this start; when that is unknown, when it was seen at or after this start. (The previous
 * run's exit, seen late while a restart was under way, must not end the new run.)
 */
function keepExitSeenMeanwhile(current: ObservedContainer | undefined, next: ObservedContainer): ObservedContainer {
  if (current?.status !== 'exited' || next.status !== 'running' || next.startedAt === undefined) return next;
  const exitOfThisRun = current.exitedRunStartedAt !== undefined ? current.exitedRunStartedAt >= next.startedAt : (current.finishedAt ?? 0) >= next.startedAt;
  if (!exitOfThisRun) return next;
  return { ...next, status: 'exited', exitCode: current.exitCode, finishedAt: current.finishedAt, exitedRunStartedAt: current.exitedRunStartedAt, oomKilled: current.oomKilled, health: undefined };
}
