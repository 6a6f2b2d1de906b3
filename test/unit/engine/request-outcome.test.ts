import test from 'ava';
import { outcomeOf, settled, upStarted, waitFinished } from '../../../src/engine/request-outcome.js';
import type { DesiredService, ObservedContainer, ServiceStatus } from '../../../src/plan/plan-types.js';
import { EMPTY_OBSERVED, type LoopState } from '../../../src/reconcile/loop-state.js';

const service = (name: string): DesiredService => ({
  name,
  goal: 'running',
  since: 0,
  configHash: 'h',
  replicas: 1,
  image: 'busybox',
  pullPolicy: 'missing',
  dependsOn: [],
  createAfter: [],
  restart: { kind: 'no' },
  hasHealthcheck: false,
  buildable: false,
});

const container = (name: string, status: ObservedContainer['status']): ObservedContainer => ({
  name: `p-${name}-1`,
  service: name,
  number: 1,
  configHash: 'h',
  status,
  restartCount: 0,
});

function state(statuses: Record<string, ServiceStatus>, options: { containers?: ObservedContainer[]; inFlight?: string[]; settled?: boolean; abandoned?: boolean } = {}): LoopState {
  return {
    desired: {
      project: 'p',
      goal: 'up',
      services: Object.keys(statuses).map(service),
      networks: [],
      volumes: [],
      recreate: 'diverged',
      requested: Object.keys(statuses),
      knownServices: Object.keys(statuses),
      removeOrphans: false,
      removeVolumes: false,
    },
    observed: { ...EMPTY_OBSERVED, containers: options.containers ?? [], inFlight: options.inFlight ?? [] },
    decision: { actions: [], services: statuses, settled: options.settled ?? false, orphans: [] },
    launch: [],
    failures: {},
    abandoned: options.abandoned ? [{ action: { kind: 'create-network', network: 'n' }, error: 'no bridge' }] : [],
  };
}

test('up has started once every container runs, even while health is still starting', (t) => {
  const running = state({ db: { state: 'starting' }, web: { state: 'running' } }, { containers: [container('db', 'running'), container('web', 'running')] });
  t.true(upStarted(running));
  t.false(settled(running));
});

test('up has not started while a service waits for a dependency, a container is only created, or an action runs', (t) => {
  t.false(upStarted(state({ db: { state: 'healthy' }, web: { state: 'waiting', detail: 'db to be healthy' } })));
  t.false(upStarted(state({ db: { state: 'starting' } }, { containers: [container('db', 'created')] })));
  t.false(upStarted(state({ db: { state: 'running' } }, { inFlight: ['container:p-db-1'] })));
});

test('--wait ends early when a service failed and nothing else moves, and reports every failure', (t) => {
  const failed = state({ db: { state: 'failed', detail: 'unhealthy' }, web: { state: 'failed', detail: 'dependency failed to start: container p-db-1 is unhealthy' } });
  t.true(waitFinished(failed));
  const outcome = outcomeOf(failed, { requireHealthy: true });
  t.false(outcome.ok);
  t.deepEqual(outcome.failures.map((f) => f.service), ['db', 'web']);
  t.false(waitFinished(state({ db: { state: 'failed', detail: 'x' }, web: { state: 'starting' } })));
});

test('a step given up stops the wait and is reported', (t) => {
  const stuck = state({ db: { state: 'pending', detail: 'networks and volumes' } }, { abandoned: true });
  t.true(upStarted(stuck));
  t.true(settled(stuck));
  const outcome = outcomeOf(stuck, { requireHealthy: false });
  t.false(outcome.ok);
  t.deepEqual(outcome.errors, ['create-network n: no bridge']);
});

test('an exit 0 is a success, a non-zero exit a failure; still starting fails only a --wait', (t) => {
  const outcome = outcomeOf(state({ job: { state: 'exited', exitCode: 0 }, bad: { state: 'exited', exitCode: 2 }, slow: { state: 'starting' } }), { requireHealthy: false });
  t.deepEqual(outcome.failures, [{ service: 'bad', reason: 'exited with code 2' }]);
  const waited = outcomeOf(state({ slow: { state: 'starting' } }), { requireHealthy: true });
  t.deepEqual(waited.failures, [{ service: 'slow', reason: 'did not become healthy' }]);
});

test("an outcome carries the hints of its errors, once each, and a step's error that is its service's failure is not said twice", (t) => {
  const reason = 'port 8080/tcp on 127.0.0.1 is already in use';
  const failed: LoopState = {
    ...state({ web: { state: 'failed', detail: reason } }),
    abandoned: [
      { action: { kind: 'create-container', service: 'web', number: 1, container: 'p-web-1', configHash: 'h' }, error: reason },
      { action: { kind: 'create-network', network: 'n' }, error: 'no bridge' },
    ],
    hints: { [reason]: 'stop what listens there, or publish another host port', 'unrelated error': 'not this one' },
  };
  const outcome = outcomeOf(failed, { requireHealthy: false });
  t.deepEqual(outcome.failures, [{ service: 'web', reason }]);
  t.deepEqual(outcome.errors, ['create-network n: no bridge']);
  t.deepEqual(outcome.hints, ['stop what listens there, or publish another host port']);
});
