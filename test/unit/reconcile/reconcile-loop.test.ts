import test from 'ava';
import type { Observable } from 'rxjs';
import { NEVER, concat, of, takeWhile, timer, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { DesiredService, DesiredState } from '../../../src/plan/plan-types.js';
import { EMPTY_OBSERVED } from '../../../src/reconcile/loop-state.js';
import type { LoopState } from '../../../src/reconcile/loop-state.js';
import { reconcile } from '../../../src/reconcile/reconcile-loop.js';
import { SimulatedRuntime } from './simulated-runtime.js';
import type { SimulatedBehaviour } from './simulated-runtime.js';

function service(name: string, extra: Partial<DesiredService> = {}): DesiredService {
  return {
    name,
    goal: 'running',
    since: 0,
    configHash: `h-${name}`,
    replicas: 1,
    image: 'busybox',
    pullPolicy: 'missing',
    dependsOn: [],
    createAfter: [],
    restart: { kind: 'no' },
    hasHealthcheck: false,
    buildable: false,
    ...extra,
  };
}

function desired(services: DesiredService[], goal: DesiredState['goal'] = 'up'): DesiredState {
  return {
    project: 'p',
    goal,
    // Each service takes the project's goal, as a whole-project request gives it.
    services: services.map((s) => ({ ...s, goal: goal === 'up' ? s.goal : goal === 'stop' ? 'stopped' : 'removed' })),
    networks: ['p_default'],
    volumes: [],
    recreate: 'diverged',
    requested: services.map((s) => s.name),
    knownServices: services.map((s) => s.name),
    removeOrphans: false,
    removeVolumes: false,
  };
}

interface Run {
  final: LoopState | undefined;
  log: string[];
}

/** Run the loop on virtual time until `until` says stop (or 10 virtual minutes pass). */
function runVirtual(
  makeDesired: (scheduler: TestScheduler) => Observable<DesiredState>,
  behaviour: Record<string, SimulatedBehaviour>,
  until: (state: LoopState) => boolean,
  failing: Record<string, string> = {},
): Run {
  const scheduler = new TestScheduler(() => undefined);
  let final: LoopState | undefined;
  const runtime = new SimulatedRuntime(scheduler, behaviour, failing);
  scheduler.run(() => {
    reconcile({ desired$: makeDesired(scheduler), initialObserved: { ...EMPTY_OBSERVED, images: ['busybox'] }, executor: runtime, events$: runtime.events, scheduler })
      .pipe(takeWhile((state) => !until(state) && scheduler.now() < 600_000, true))
      .subscribe((state) => (final = state));
  });
  return { final, log: runtime.log };
}

const settled = (state: LoopState): boolean => state.decision?.settled === true;

test('service_healthy: web starts only after db reports healthy', (t) => {
  const { log, final } = runVirtual(
    () => concat(of(desired([service('db', { hasHealthcheck: true }), service('web', { dependsOn: [{ service: 'db', condition: 'service_healthy', required: true, restart: false }] })])), NEVER),
    { db: { healthyAfter: 300 } },
    settled,
  );
  t.deepEqual(log, [
    '10 create-network',
    '20 create-container p-db-1',
    '20 create-container p-web-1',
    '30 start-container p-db-1',
    // db turned healthy at 330; web's start is decided at once and takes 10 ms.
    '340 start-container p-web-1',
  ]);
  t.is(final?.decision?.services.db?.state, 'healthy');
  t.is(final?.decision?.services.web?.state, 'running');
});

test('restart always backs off 100, 200, 400 ms between quick crashes', (t) => {
  const { log } = runVirtual(
    () => concat(of(desired([service('crashy', { restart: { kind: 'always' } })])), NEVER),
    { crashy: { exitAfter: 50, exitCode: 1 } },
    (state) => (state.observed.containers[0]?.restartCount ?? 0) >= 3,
  );
  const starts = log.filter((line) => /start-container|restart-container/.test(line)).map((line) => Number(line.split(' ')[0]));
  // start at 30, exits at 80; restarts decided at 80+100, 180+... each restart action takes 10 ms.
  t.deepEqual(starts, [30, 190, 450, 910]);
});

test('a one-shot dependency that fails fails its dependent and the loop settles', (t) => {
  const { final } = runVirtual(
    () =>
      concat(
        of(
          desired([
            service('migrate'),
            service('app', { dependsOn: [{ service: 'migrate', condition: 'service_completed_successfully', required: true, restart: false }] }),
          ]),
        ),
        NEVER,
      ),
    { migrate: { exitAfter: 100, exitCode: 2 } },
    settled,
  );
  t.is(final?.decision?.services.migrate?.state, 'exited');
  t.like(final?.decision?.services.app, { state: 'failed', detail: `service "migrate" didn't complete successfully: exit 2` });
  t.true(final?.decision?.settled);
});

test('a failed pull fails the services that use the image, without retrying in the same run', (t) => {
  const { final, log } = runVirtual(
    () => concat(of(desired([service('web', { image: 'missing:1' })])), NEVER),
    {},
    settled,
    { 'pull-image': 'manifest unknown' },
  );
  t.like(final?.decision?.services.web, { state: 'failed', detail: 'manifest unknown' });
  t.false(log.some((line) => line.includes('create-container')));
});

test('down after up stops dependents first and removes everything, network last', (t) => {
  const services = [service('db'), service('web', { dependsOn: [{ service: 'db', condition: 'service_started', required: true, restart: false }] })];
  const { log, final } = runVirtual(
    (scheduler) => concat(of(desired(services)), timer(1000, scheduler).pipe(map(() => desired(services, 'down'))), NEVER),
    {},
    (state) => state.desired.goal === 'down' && settled(state),
  );
  const downSteps = log.filter((line) => Number(line.split(' ')[0]) > 1000).map((line) => line.split(' ').slice(1).join(' '));
  t.deepEqual(downSteps, [
    'stop-container p-web-1',
    'stop-container p-db-1',
    'remove-container p-web-1',
    'remove-container p-db-1',
    'remove-network',
  ]);
  t.deepEqual(final?.observed.containers, []);
  t.deepEqual(final?.observed.networks, []);
});
