import test from 'ava';
import { advanceRows, emptyRowTable, finishRows, formatElapsed, type ProgressVerb, rowElapsedMs, type RowTable } from '../../../src/cli/progress/progress-rows.js';
import type { ProgressSnapshot, RequestOutcome } from '../../../src/engine/request-outcome.js';
import type { ObservedContainer, ServiceStatus } from '../../../src/plan/plan-types.js';

const container = (name: string, status: ObservedContainer['status'], extra: Partial<ObservedContainer> = {}): ObservedContainer => ({
  name: `p-${name}-1`, service: name, number: 1, configHash: 'h', status, restartCount: 0, ...extra,
});
type Observed = ProgressSnapshot['observed'] & { inFlight?: readonly string[] };
const snapshot = (observed: Partial<Observed>, services: Record<string, ServiceStatus> = {}): ProgressSnapshot => ({
  observed: { networks: [], volumes: [], refreshedImages: [], containers: [], ...observed },
  decision: { services },
});

/** Feeds snapshots one second apart; returns every row change as "id: text (phase)" and the final table. */
function fold(verb: ProgressVerb, snapshots: readonly ProgressSnapshot[]): { changes: string[]; table: RowTable } {
  let table = emptyRowTable(verb);
  const changes: string[] = [];
  snapshots.forEach((s, i) => {
    const next = advanceRows(table, s, 1000 * i);
    table = next.table;
    changes.push(...next.changed.map((row) => `${row.id}: ${row.text} (${row.phase})`));
  });
  return { changes, table };
}

test('up: one row per network, volume and container, through created, waiting, started and healthy', (t) => {
  const { changes } = fold('up', [
    snapshot({}),
    snapshot({ networks: ['p_default'], volumes: ['p_data'] }),
    snapshot({ networks: ['p_default'], volumes: ['p_data'], containers: [container('db', 'created'), container('web', 'created')] }, { web: { state: 'waiting', detail: 'db to be healthy' } }),
    snapshot({ networks: ['p_default'], volumes: ['p_data'], containers: [container('db', 'running', { health: 'starting' }), container('web', 'created')] }, { web: { state: 'waiting', detail: 'db to be healthy' } }),
    snapshot({ networks: ['p_default'], volumes: ['p_data'], containers: [container('db', 'running', { health: 'healthy' }), container('web', 'running')] }, { web: { state: 'running' } }),
  ]);
  t.deepEqual(changes, [
    'Network p_default: Created (done)',
    'Volume p_data: Created (done)',
    'Container p-db-1: Created (done)',
    'Container p-web-1: Waiting for db to be healthy (working)',
    'Container p-db-1: Started, health: starting (working)',
    'Container p-db-1: Healthy (done)',
    'Container p-web-1: Started (done)',
  ]);
});

test('a container that exits non-zero fails its row with the exit code; one that restarts says so', (t) => {
  const { changes } = fold('up', [
    snapshot({}),
    snapshot({ containers: [container('job', 'running')] }),
    snapshot({ containers: [container('job', 'exited', { exitCode: 1 })] }, { job: { state: 'restarting', detail: 'exited (1)' } }),
    snapshot({ containers: [container('job', 'running', { restartCount: 1 })] }),
    snapshot({ containers: [container('job', 'exited', { exitCode: 3, restartCount: 1 })] }, { job: { state: 'exited', exitCode: 3 } }),
  ]);
  t.deepEqual(changes, [
    'Container p-job-1: Started (done)',
    'Container p-job-1: Exited (1), restarting (working)',
    'Container p-job-1: Restarted (1) (done)',
    'Container p-job-1: Exited (3) (failed)',
  ]);
});

test('a start error is the row text, and a service failing before it has a container gets a Service row', (t) => {
  const { changes } = fold('up', [
    snapshot({}),
    snapshot({ containers: [container('app', 'exited', { startError: 'exec: "nope": not found' })] }, { app: { state: 'failed', detail: 'exec: "nope": not found' } }),
    snapshot({ containers: [container('app', 'exited', { startError: 'exec: "nope": not found' })] }, { app: { state: 'failed', detail: 'x' }, web: { state: 'failed', detail: 'dependency app failed' } }),
  ]);
  t.deepEqual(changes, ['Container p-app-1: Error: exec: "nope": not found (failed)', 'Service web: Failed: dependency app failed (failed)']);
});

test('down: running containers are the baseline, then Stopping, Stopped and Removed, and the network goes', (t) => {
  const running = [container('db', 'running')];
  const { changes } = fold('down', [
    snapshot({ networks: ['p_default'], containers: running }),
    snapshot({ networks: ['p_default'], containers: running, inFlight: ['container:p-db-1'] }, { db: { state: 'stopping' } }),
    snapshot({ networks: ['p_default'], containers: [container('db', 'exited', { exitCode: 143 })], inFlight: ['container:p-db-1'] }, { db: { state: 'stopped' } }),
    snapshot({ networks: ['p_default'], containers: [], inFlight: ['network:p_default'] }, { db: { state: 'removed' } }),
    snapshot({ networks: [], containers: [] }, { db: { state: 'removed' } }),
  ]);
  t.deepEqual(changes, [
    'Container p-db-1: Running (done)',
    'Container p-db-1: Stopping (working)',
    'Container p-db-1: Removing (working)',
    'Container p-db-1: Removed (done)',
    'Network p_default: Removing (working)',
    'Network p_default: Removed (done)',
  ]);
});

test('with running-step keys, rows show Creating, Pulling and Starting while the step runs', (t) => {
  const { changes } = fold('up', [
    snapshot({}),
    snapshot({ inFlight: ['network:p_default', 'image:busybox:latest'] }),
    snapshot({ networks: ['p_default'], refreshedImages: ['busybox:latest'], inFlight: ['container:p-web-1'] }),
    snapshot({ networks: ['p_default'], refreshedImages: ['busybox:latest'], containers: [container('web', 'created')], inFlight: ['container:p-web-1'] }),
    snapshot({ networks: ['p_default'], refreshedImages: ['busybox:latest'], containers: [container('web', 'running')] }),
  ]);
  t.deepEqual(changes, [
    'Network p_default: Creating (working)',
    'Image busybox:latest: Pulling (working)',
    'Network p_default: Created (done)',
    'Image busybox:latest: Pulled (done)',
    'Container p-web-1: Creating (working)',
    'Container p-web-1: Starting (working)',
    'Container p-web-1: Started (done)',
  ]);
});

test('a pull in flight shows how far it is: "Pulling 42 % of 31 MB", then Pulled', (t) => {
  const pulling = (done: number): ProgressSnapshot => ({
    ...snapshot({ inFlight: ['image:r.example/app:1'] }),
    images: { 'r.example/app:1': { kind: 'pull', done, total: 31_000_000 } },
  });
  const { changes } = fold('up', [
    snapshot({}),
    snapshot({ inFlight: ['image:r.example/app:1'] }),
    pulling(13_100_000),
    pulling(13_200_000),
    pulling(31_000_000),
    snapshot({ refreshedImages: ['r.example/app:1'] }),
  ]);
  t.deepEqual(changes, [
    'Image r.example/app:1: Pulling (working)',
    'Image r.example/app:1: Pulling 42 % of 31 MB (working)',
    'Image r.example/app:1: Pulling 100 % of 31 MB (working)',
    'Image r.example/app:1: Pulled (done)',
  ]);
});

test('a build in flight shows its step, then Built', (t) => {
  const building = (step: number, instruction: string): ProgressSnapshot => ({
    ...snapshot({ inFlight: ['image:p-app'] }),
    images: { 'p-app': { kind: 'build', step, steps: 3, instruction } },
  });
  const { changes } = fold('up', [snapshot({}), building(1, 'FROM busybox'), building(2, 'RUN make'), building(3, 'CMD ["app"]'), snapshot({ refreshedImages: ['p-app'] })]);
  t.deepEqual(changes, [
    'Image p-app: Building 1/3 FROM busybox (working)',
    'Image p-app: Building 2/3 RUN make (working)',
    'Image p-app: Building 3/3 CMD ["app"] (working)',
    'Image p-app: Built (done)',
  ]);
});

test('a row times from the step before it was seen to its last completion', (t) => {
  const { table } = fold('up', [
    snapshot({}),
    snapshot({ networks: ['p_default'] }),
    snapshot({ networks: ['p_default'], containers: [container('web', 'created')] }),
    snapshot({ networks: ['p_default'], containers: [container('web', 'running')] }),
    snapshot({ networks: ['p_default'], containers: [container('web', 'running')] }),
  ]);
  const [network, web] = table.rows;
  // Seen done at 1 s after the baseline at 0 s; web first seen at 2 s (after the 1 s snapshot), started at 3 s.
  t.is(network && rowElapsedMs(network, 10_000), 1000);
  t.is(web && rowElapsedMs(web, 10_000), 2000);
  t.is(formatElapsed(1234), '1.2s');
});

test('finishing settles working rows: failed where the outcome names their service, done elsewhere', (t) => {
  const { table } = fold('up', [
    snapshot({}),
    snapshot({ containers: [container('db', 'running', { health: 'starting' }), container('web', 'created')] }, { web: { state: 'waiting', detail: 'db to be healthy' } }),
  ]);
  const outcome: RequestOutcome = {
    ok: false,
    services: [],
    failures: [{ service: 'web', reason: 'never started (db to be healthy)' }],
    errors: [],
  };
  const { changed } = finishRows(table, outcome, 5000);
  t.deepEqual(
    changed.map((row) => `${row.id}: ${row.text} (${row.phase})`),
    ['Container p-db-1: Started, health: starting (done)', 'Container p-web-1: Waiting for db to be healthy (failed)'],
  );
  t.deepEqual(finishRows(table, undefined, 5000).changed, []);
});
