// Retry one readiness probe until it is ready, fails for good, or its time is up; the clock is injectable for tests.
import { setTimeout as sleep } from 'node:timers/promises';

/** The probe's answer: ready, not yet (with why), or never (the service exited: waiting longer cannot help). */
export type ProbeResult = { readonly ready: true } | { readonly ready: false; readonly detail: string; readonly final?: boolean };

export interface ReadinessProbe {
  /** Look once; `budgetMs` is how long this look may take at most (connect and request timeouts). */
  check(budgetMs: number): Promise<ProbeResult>;
  /** Resolves at the next change that may alter the answer (a log write, a health record); absent: retry on a timer only. */
  changed?(): Promise<void>;
}

export interface WaitClock {
  now(): number;
  /** Resolves after `ms`, or at once (without rejecting) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: WaitClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

export type ReadinessResult = { readonly ready: true } | { readonly ready: false; readonly detail: string; readonly timedOut: boolean };

/** First pause between looks; pauses double up to a cap (lower for probes without change events). */
const FIRST_PAUSE_MS = 25;
const PAUSE_CAP_WITHOUT_EVENTS_MS = 250;
/** With change events the timer is only a safety net for a missed event. */
const PAUSE_CAP_WITH_EVENTS_MS = 1_000;
/** One look never takes longer than this, so a slow answer cannot eat the whole budget. */
const LOOK_CAP_MS = 2_000;

/** Look, then look again after a pause or a change, until ready, final, or `timeoutMs` has passed. */
export async function waitUntilReady(probe: ReadinessProbe, timeoutMs: number, clock: WaitClock = systemClock): Promise<ReadinessResult> {
  const deadline = clock.now() + timeoutMs;
  const cap = probe.changed ? PAUSE_CAP_WITH_EVENTS_MS : PAUSE_CAP_WITHOUT_EVENTS_MS;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const budget = Math.max(1, Math.min(LOOK_CAP_MS, deadline - clock.now()));
    // Armed before the look, so a change during it is not missed.
    const change = probe.changed?.();
    const result = await probe.check(budget);
    if (result.ready) return result;
    if (result.final) return { ready: false, detail: result.detail, timedOut: false };
    const remaining = deadline - clock.now();
    if (remaining <= 0) return { ready: false, detail: result.detail, timedOut: true };
    const timer = new AbortController();
    await Promise.race(change ? [clock.sleep(Math.min(pause, remaining), timer.signal), change] : [clock.sleep(Math.min(pause, remaining), timer.signal)]);
    timer.abort();
    pause = Math.min(pause * 2, cap);
  }
}
