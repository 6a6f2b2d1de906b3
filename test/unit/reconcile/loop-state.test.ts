import test from 'ava';
import type { ObservedContainer } from '../../../src/plan/plan-types.js';
import { applyEvent, EMPTY_OBSERVED, type LoopState } from '../../../src/reconcile/loop-state.js';

const created: ObservedContainer = { name: 'p-job-1', service: 'job', number: 1, configHash: 'h', status: 'created', restartCount: 0 };
const state: LoopState = {
  desired: { project: 'p', goal: 'up', services: [], networks: [], volumes: [], recreate: 'diverged', requested: [], knownServices: [], removeOrphans: false, removeVolumes: false },
  observed: { ...EMPTY_OBSERVED, containers: [created], inFlight: ['container:p-job-1'] },
  decision: undefined,
  launch: [],
  failures: {},
  abandoned: [],
};
const startAction = { kind: 'start-container', service: 'job', container: 'p-job-1' } as const;

test('an exit seen before the start reports back is kept: the quick process ran and ended', (t) => {
  const exited = applyEvent(state, { type: 'container-exited', container: 'p-job-1', exitCode: 3, at: 1_000 });
  const started = applyEvent(exited, { type: 'action-done', action: startAction, changes: [{ kind: 'container', container: { ...created, status: 'running', startedAt: 990 } }] });
  const job = started.observed.containers[0];
  t.is(job?.status, 'exited');
  t.is(job?.exitCode, 3);
  t.is(job?.startedAt, 990);
  t.deepEqual(started.observed.inFlight, []);
});

test('an exit from before this start (the previous run) does not hide the new run', (t) => {
  const exited = applyEvent(state, { type: 'container-exited', container: 'p-job-1', exitCode: 3, at: 1_000 });
  const started = applyEvent(exited, { type: 'action-done', action: startAction, changes: [{ kind: 'container', container: { ...created, status: 'running', startedAt: 1_500 } }] });
  t.is(started.observed.containers[0]?.status, 'running');
});

test('the exit of a run older than the latest start that arrives after it (a restart outran the exit watcher) is ignored', (t) => {
  const running: ObservedContainer = { ...created, status: 'running', startedAt: 2_000 };
  const late = applyEvent({ ...state, observed: { ...state.observed, containers: [running], inFlight: [] } }, { type: 'container-exited', container: 'p-job-1', exitCode: 143, at: 2_010, runStartedAt: 1_000 });
  t.is(late.observed.containers[0]?.status, 'running');
  // This run's exit, however quick, counts (its record's start is the run's, a moment after the engine's).
  const real = applyEvent(late, { type: 'container-exited', container: 'p-job-1', exitCode: 1, at: 2_012, runStartedAt: 2_001 });
  t.is(real.observed.containers[0]?.status, 'exited');
  t.is(real.observed.containers[0]?.exitCode, 1);
});

test("the previous run's exit, seen while the restart is under way and after the new start began, does not end the new run", (t) => {
  // restart: the old run (started at 500) is stopped; its exit is seen at 2_010, after the new start began at 2_000.
  const running: ObservedContainer = { ...created, status: 'running', startedAt: 500 };
  const restarting: LoopState = { ...state, observed: { ...state.observed, containers: [running], inFlight: ['container:p-job-1'] } };
  const exited = applyEvent(restarting, { type: 'container-exited', container: 'p-job-1', exitCode: 143, at: 2_010, runStartedAt: 500 });
  const restartAction = { kind: 'restart-container', service: 'job', container: 'p-job-1', reason: 'user' } as const;
  const restarted = applyEvent(exited, { type: 'action-done', action: restartAction, changes: [{ kind: 'container', container: { ...created, status: 'running', startedAt: 2_000 } }] });
  t.is(restarted.observed.containers[0]?.status, 'running');
  // The new run's own quick exit, seen before the restart reports back, is kept.
  const quick = applyEvent(restarting, { type: 'container-exited', container: 'p-job-1', exitCode: 7, at: 2_010, runStartedAt: 2_003 });
  const ended = applyEvent(quick, { type: 'action-done', action: restartAction, changes: [{ kind: 'container', container: { ...created, status: 'running', startedAt: 2_000 } }] });
  t.is(ended.observed.containers[0]?.status, 'exited');
  t.is(ended.observed.containers[0]?.exitCode, 7);
});
