import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { identityFromLabels } from '../../../src/engine/compose-labels.js';
import { ContainerRuntime, type ContainerStatus } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

const compose = (name: string, subnet: string): string => `
name: ${name}
services:
  db:
    image: busybox
    init: true
    restart: always
    command: ["sleep", "3600"]
  web:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    depends_on: [db]
networks:
  default:
    ipam:
      config: [{ subnet: ${subnet} }]
`;

/** Each service's container state, as the runtime reports it ('-' for none). */
async function states(runtime: ContainerRuntime): Promise<Record<string, string>> {
  const found: Record<string, string> = { db: '-', web: '-' };
  for (const status of await runtime.list()) {
    const service = identityFromLabels(status.record.labels)?.service;
    if (service) found[service] = status.state;
  }
  return found;
}

async function containerOf(runtime: ContainerRuntime, service: string): Promise<ContainerStatus> {
  const found = (await runtime.list()).find((status) => identityFromLabels(status.record.labels)?.service === service);
  if (!found) throw new Error(`no container for ${service}`);
  return found;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

test('create, start, stop one service, restart, pause, kill and rm behave as compose; a service left out of a request stays supervised', async (t) => {
  const { paths, run } = await cliFixture(t, compose('eng-life', '10.240.20.0/24'));
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());

  const none = await run('start');
  t.is(none.code, 1);
  t.regex(none.stderr, /no containers to start/);

  const created = await run('create');
  t.is(created.code, 0, created.stderr);
  t.deepEqual(await states(runtime), { db: 'created', web: 'created' });

  const started = await run('start');
  t.is(started.code, 0, started.stderr);
  t.deepEqual(await states(runtime), { db: 'running', web: 'running' });

  const stopped = await run('stop', '-t', '0', 'web');
  t.is(stopped.code, 0, stopped.stderr);
  t.deepEqual(await states(runtime), { db: 'running', web: 'exited' });

  // db was not named by `stop web`: its restart policy still holds after a crash.
  const db = await containerOf(runtime, 'db');
  process.kill(db.pid ?? 0, 'SIGKILL');
  await eventually(async () => {
    const now = await containerOf(runtime, 'db');
    return now.state === 'running' && now.record.startedAt !== db.record.startedAt;
  }, 'db to be restarted by its policy');

  const restarted = await run('restart', '-t', '0');
  t.is(restarted.code, 0, restarted.stderr);
  t.deepEqual(await states(runtime), { db: 'running', web: 'running' });

  t.is((await run('pause', 'db')).code, 0);
  t.is((await containerOf(runtime, 'db')).state, 'paused');
  const unpaused = await run('unpause', 'db');
  t.is(unpaused.code, 0);
  t.regex(unpaused.stderr, /Container eng-life-db-1 {2}Unpaused/);
  t.is((await containerOf(runtime, 'db')).state, 'running');

  const killed = await run('kill', 'db');
  t.is(killed.code, 0, killed.stderr);
  t.regex(killed.stderr, /Container eng-life-db-1 {2}Killed/);
  await eventually(async () => (await containerOf(runtime, 'db')).state === 'exited', 'db to exit');
  // A kill counts as a manual stop: `restart: always` leaves it down.
  await delay(1000);
  t.is((await containerOf(runtime, 'db')).state, 'exited');

  const removed = await run('rm', '-f');
  t.is(removed.code, 0, removed.stderr);
  t.deepEqual(await states(runtime), { db: '-', web: 'running' }, 'rm without -s leaves running services alone');

  const forced = await run('rm', '-s', '-f', '-t', '0');
  t.is(forced.code, 0, forced.stderr);
  t.deepEqual(await states(runtime), { db: '-', web: '-' });
});

test('up --no-start creates without starting; up --no-deps starts a service alone; down --rmi removes the images', async (t) => {
  const { paths, run } = await cliFixture(t, compose('eng-nodeps', '10.240.21.0/24'));
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());

  const noStart = await run('up', '--no-start');
  t.is(noStart.code, 0, noStart.stderr);
  t.deepEqual(await states(runtime), { db: 'created', web: 'created' });

  const alone = await run('up', '-d', '--no-deps', 'web');
  t.is(alone.code, 0, alone.stderr);
  t.deepEqual(await states(runtime), { db: 'created', web: 'running' });

  const wait = await run('up', '--no-start', '--wait');
  t.is(wait.code, 1);
  t.regex(wait.stderr, /--no-start and --wait cannot be used together/);

  const down = await run('down', '-t', '0', '--rmi', 'all');
  t.is(down.code, 0, down.stderr);
  t.regex(down.stderr, /Image busybox {2}Removed/);
  t.notRegex((await run('image', 'ls')).stdout, /busybox/);
});
