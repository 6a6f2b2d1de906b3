import test from 'ava';
import { NEVER, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { healthProbes, nextHealthState, INITIAL_HEALTH, HEALTH_LOG_LENGTH } from '../../../src/reconcile/health-monitor.js';
import type { HealthState } from '../../../src/reconcile/health-monitor.js';
import { healthSettings, probeCommand } from '../../../src/reconcile/health-settings.js';
import type { HealthSettings } from '../../../src/reconcile/health-settings.js';

const settings: HealthSettings = { command: ['true'], intervalMs: 1000, timeoutMs: 500, retries: 3, startPeriodMs: 0, startIntervalMs: 100 };

test('a first success makes the container healthy and resets the failing streak', (t) => {
  const state = nextHealthState({ status: 'unhealthy', failingStreak: 4, log: [] }, { start: 0, end: 1, exitCode: 0, output: '' }, settings, 0);
  t.deepEqual({ status: state.status, failingStreak: state.failingStreak }, { status: 'healthy', failingStreak: 0 });
});

test('retries failures in a row make it unhealthy', (t) => {
  let state = INITIAL_HEALTH;
  const statuses: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    state = nextHealthState(state, { start: 10_000 + i, end: 10_001 + i, exitCode: 1, output: 'no' }, settings, 0);
    statuses.push(state.status);
  }
  t.deepEqual(statuses, ['starting', 'starting', 'unhealthy']);
});

test('failures inside the start period do not count while starting', (t) => {
  const withStart = { ...settings, startPeriodMs: 5000 };
  let state = INITIAL_HEALTH;
  for (let i = 0; i < 10; i += 1) state = nextHealthState(state, { start: i * 100, end: i * 100 + 1, exitCode: 1, output: '' }, withStart, 0);
  t.is(state.status, 'starting');
  t.is(state.failingStreak, 0);
  state = nextHealthState(state, { start: 6000, end: 6001, exitCode: 1, output: '' }, withStart, 0);
  t.is(state.failingStreak, 1);
});

test('the log keeps the last five results', (t) => {
  let state = INITIAL_HEALTH;
  for (let i = 0; i < 8; i += 1) state = nextHealthState(state, { start: i, end: i, exitCode: 0, output: `r${i}` }, settings, 0);
  t.is(state.log.length, HEALTH_LOG_LENGTH);
  t.deepEqual(
    state.log.map((r) => r.output),
    ['r3', 'r4', 'r5', 'r6', 'r7'],
  );
});

test('probes wait the start interval while starting, then the interval', (t) => {
  const starts: number[] = [];
  const scheduler = new TestScheduler(() => undefined);
  scheduler.run(({ flush }) => {
    const s = { ...settings, startPeriodMs: 250 };
    let n = 0;
    healthProbes(
      s,
      0,
      () => {
        starts.push(scheduler.now());
        n += 1;
        return of({ exitCode: n < 4 ? 1 : 0, output: '' });
      },
      scheduler,
    )
      .pipe(take(5))
      .subscribe();
    flush();
  });
  // Three start-interval probes at 100, 200 (still inside 250 ms) and then interval steps of 1000.
  t.deepEqual(starts, [100, 200, 300, 1300, 2300]);
});

test('a probe that outlives its timeout fails with Docker message', (t) => {
  const states: HealthState[] = [];
  const scheduler = new TestScheduler(() => undefined);
  scheduler.run(({ flush }) => {
    healthProbes(settings, 0, () => NEVER, scheduler)
      .pipe(take(3))
      .subscribe((state) => states.push(state));
    flush();
  });
  t.is(states.length, 3);
  t.is(states[2]?.status, 'unhealthy');
  t.is(states[0]?.log[0]?.output, 'Health check exceeded timeout (0.5s)');
  t.is(states[0]?.log[0]?.end, 1500);
});

test('service fields override the image healthcheck one by one; NONE and disable turn it off', (t) => {
  const image = { Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 5_000_000_000, Retries: 7 };
  t.deepEqual(healthSettings({ timeout: '2s' }, image), {
    command: ['/bin/sh', '-c', 'wget -q localhost'],
    intervalMs: 5000,
    timeoutMs: 2000,
    retries: 7,
    startPeriodMs: 0,
    startIntervalMs: 5000,
  });
  t.is(healthSettings({ disable: true }, image), undefined);
  t.is(healthSettings({ test: ['NONE'] }, image), undefined);
  t.is(healthSettings(undefined, undefined), undefined);
  t.like(healthSettings({ test: ['CMD', 'pg_isready'] }, undefined), { command: ['pg_isready'], intervalMs: 30_000, retries: 3 });
});

test('probe commands: CMD as given, CMD-SHELL through sh', (t) => {
  t.deepEqual(probeCommand(['CMD', 'a', 'b']), ['a', 'b']);
  t.deepEqual(probeCommand(['CMD-SHELL', 'exit 0']), ['/bin/sh', '-c', 'exit 0']);
  t.is(probeCommand(['NONE']), undefined);
  t.is(probeCommand(['CMD']), undefined);
});

test('the first probe is due an interval after the container started, however late the probes were set up', (t) => {
  const starts: number[] = [];
  const scheduler = new TestScheduler(() => undefined);
  scheduler.run(({ flush }) => {
    // Set up at 0 for a container that started 30 ms earlier (its start call took that long).
    healthProbes(settings, -30, () => {
      starts.push(scheduler.now());
      return of({ exitCode: 0, output: '' });
    }, scheduler)
      .pipe(take(2))
      .subscribe();
    flush();
  });
  t.deepEqual(starts, [970, 1970]);
});
