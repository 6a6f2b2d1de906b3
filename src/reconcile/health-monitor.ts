// Health probes with Docker's semantics: timers exec the test in the container; results fold into a status.
import type { Observable, ObservableInput, SchedulerLike } from 'rxjs';
import { asyncScheduler, catchError, concatMap, defer, from, map, of, race, repeat, timer } from 'rxjs';
import type { HealthStatus } from '../plan/plan-types.js';
import type { HealthSettings } from './health-settings.js';

/** Docker keeps the last five results, each with at most 4 KiB of output. */
export const HEALTH_LOG_LENGTH = 5;
export const HEALTH_OUTPUT_MAX_BYTES = 4096;

export interface ProbeResult {
  readonly start: number;
  readonly end: number;
  readonly exitCode: number;
  readonly output: string;
}

export interface HealthState {
  readonly status: HealthStatus;
  readonly failingStreak: number;
  readonly log: readonly ProbeResult[];
}

/** Runs the probe command in the container (through `exec`) and reports its exit code and output. */
export type ProbeRunner = (command: readonly string[]) => ObservableInput<{ exitCode: number; output: string }>;

export const INITIAL_HEALTH: HealthState = { status: 'starting', failingStreak: 0, log: [] };

/**
 * Fold one result into the state. A success makes the container healthy; failures count only
 * after the start period, and `retries` of them in a row make it unhealthy.
 */
export function nextHealthState(state: HealthState, result: ProbeResult, settings: HealthSettings, startedAt: number): HealthState {
  const log = [...state.log, result].slice(-HEALTH_LOG_LENGTH);
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  const inStartPeriod = result.start - startedAt < settings.startPeriodMs;
  if (inStartPeriod && state.status === 'starting') return { ...state, log };
  const failingStreak = state.failingStreak + 1;
  const status = failingStreak >= settings.retries ? 'unhealthy' : state.status;
  return { status, failingStreak, log };
}

/**
 * Probe states of one container started at `startedAt`: each probe waits the interval (the start
 * interval while still starting inside the start period), then runs with the timeout. Emits every
 * state after a probe; unsubscribe when the container stops.
 */
export function healthProbes(
  settings: HealthSettings,
  startedAt: number,
  runProbe: ProbeRunner,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<HealthState> {
  return defer(() => {
    let state = INITIAL_HEALTH;
    const probeOnce = (): Observable<HealthState> => {
      const sinceStart = scheduler.now() - startedAt;
      const interval = nextDelay(state, settings, sinceStart);
      // The first probe is due an interval after the container started, not after the probes were set up
      // (the start itself took some of it): each link of a health-gated chain would lose that time again.
      const delay = state.log.length === 0 ? Math.max(0, interval - sinceStart) : interval;
      return timer(delay, scheduler).pipe(
        concatMap(() => probe(settings, runProbe, scheduler)),
        map((result) => (state = nextHealthState(state, result, settings, startedAt))),
      );
    };
    // One probe at a time, forever: `defer` recomputes the delay from the latest state each round.
    return defer(probeOnce).pipe(repeat());
  });
}

function nextDelay(state: HealthState, settings: HealthSettings, sinceStart: number): number {
  const starting = state.status === 'starting' && sinceStart < settings.startPeriodMs;
  return starting ? settings.startIntervalMs : settings.intervalMs;
}

function probe(settings: HealthSettings, runProbe: ProbeRunner, scheduler: SchedulerLike): Observable<ProbeResult> {
  const start = scheduler.now();
  const finished = defer(() => from(runProbe(settings.command))).pipe(
    map(({ exitCode, output }) => ({ start, end: scheduler.now(), exitCode, output: capOutput(output) })),
    catchError((error: unknown) =>
      of({ start, end: scheduler.now(), exitCode: -1, output: capOutput(error instanceof Error ? error.message : String(error)) }),
    ),
  );
  const timedOut = timer(settings.timeoutMs, scheduler).pipe(
    map(() => ({
      start,
      end: scheduler.now(),
      exitCode: -1,
      output: `Health check exceeded timeout (${formatSeconds(settings.timeoutMs)})`,
    })),
  );
  return race(finished, timedOut);
}

function capOutput(output: string): string {
  const bytes = Buffer.from(output);
  return bytes.length <= HEALTH_OUTPUT_MAX_BYTES ? output : bytes.subarray(0, HEALTH_OUTPUT_MAX_BYTES).toString();
}

function formatSeconds(ms: number): string {
  return `${ms / 1000}s`;
}
