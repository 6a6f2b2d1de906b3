import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { engineFixture, waitForState } from '../../helpers/engine-fixture.js';

test('a crashing service is restarted with doubling backoff, and on-failure:2 gives up after two restarts', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const logDir = await mkdtemp(path.join(tmpdir(), 'berth-starts-'));
  t.teardown(() => rm(logDir, { recursive: true, force: true }));
  const project = await load(`
name: eng-restart
services:
  crasher:
    image: busybox
    command: ["sh", "-c", "cat /proc/uptime >> /log/starts; exit 3"]
    restart: on-failure:2
    volumes:
      - ${logDir}:/log
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.2.0/24 }]
`);
  await engine.up(project);
  const final = await waitForState(engine, 'eng-restart', (state) => {
    const container = state.observed.containers[0];
    return container?.restartCount === 2 && container.status === 'exited' && state.decision?.services['crasher']?.state === 'exited';
  });
  t.is(final.observed.containers[0]?.exitCode, 3);
  // Nothing more happens: the policy gave up.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const starts = (await readFile(path.join(logDir, 'starts'), 'utf8')).trim().split('\n').map((line) => Number(line.split(' ')[0]));
  t.is(starts.length, 3, `starts: ${starts.join(', ')}`);
  const [first = 0, second = 0, third = 0] = starts;
  // Backoff 100 ms, then 200 ms (uptime has 10 ms resolution).
  t.true(second - first >= 0.09, `first gap ${second - first}`);
  t.true(third - second >= 0.19, `second gap ${third - second}`);
  // (Not "the second gap is longer": each gap adds a start's latency, which a loaded machine varies by more than 100 ms.)
});

test('restart: always brings back a container that exits 0, and a manual stop is not undone', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const project = await load(`
name: eng-always
services:
  blinker:
    image: busybox
    command: ["sh", "-c", "sleep 0.2"]
    restart: always
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.3.0/24 }]
`);
  await engine.up(project);
  await waitForState(engine, 'eng-always', (state) => (state.observed.containers[0]?.restartCount ?? 0) >= 2);
  const stopped = await engine.stop(project, { stopTimeoutMs: 500 });
  t.true(stopped.ok);
  const count = engine.session('eng-always')?.states$.value?.observed.containers[0]?.restartCount ?? -1;
  await new Promise((resolve) => setTimeout(resolve, 800));
  const after = engine.session('eng-always')?.states$.value?.observed.containers[0];
  t.is(after?.status, 'exited');
  t.is(after?.restartCount, count);
});
