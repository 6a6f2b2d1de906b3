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

test('an exit from before the latest start that arrives after it (a restart outran the exit watcher) is ignored', (t) => {
  const running: ObservedContainer = { ...created, status: 'running', startedAt: 2_000 };
  const late = applyEvent({ ...state, observed: { ...state.observed, containers: [running], inFlight: [] } }, { type: 'container-exited', container: 'p-job-1', exitCode: 143, at: 1_990 });
  t.is(late.observed.containers[0]?.status, 'running');
  const real = applyEvent(late, { type: 'container-exited', container: 'p-job-1', exitCode: 1, at: 2_500 });
  t.is(real.observed.containers[0]?.status, 'exited');
  t.is(real.observed.containers[0]?.exitCode, 1);
});
