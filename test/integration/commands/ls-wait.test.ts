import test from 'ava';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { commandsFixture } from './commands-fixture.js';

const compose = (name: string, subnet: string): string => `
name: ${name}
services:
  app:
    image: busybox
    command: ["sleep", "3600"]
  job:
    image: busybox
    command: ["sh", "-c", "sleep 2; exit 3"]
  quick:
    image: busybox
    command: ["true"]
networks:
  default:
    ipam:
      config: [{ subnet: ${subnet} }]
`;

test('ls lists projects from their containers: running ones by default, all with -a; json, -q and --filter name=', async (t) => {
  const berth = await commandsFixture(t, compose('cc-ls', '10.240.45.0/24'), 'cc-ls');
  const up = await berth.run('up', '-d', 'app', 'quick');
  t.is(up.code, 0, up.stderr);
  const runtime = new ContainerRuntime(berth.paths);
  t.teardown(() => runtime.close());
  const quick = (await runtime.list()).find((status) => status.record.name === 'cc-ls-quick-1');
  await runtime.wait(quick?.record.id ?? '', 10_000);

  const running = await berth.bare('ls');
  t.is(running.code, 0, running.stderr);
  // compose's table: tabwriter with minimum width 20 and padding 3; CONFIG FILES from the containers' labels.
  t.is(running.stdout, `NAME                STATUS              CONFIG FILES\ncc-ls               running(1)          ${berth.file}\n`);
  const all = await berth.bare('ls', '-a', '--format', 'json');
  t.deepEqual(JSON.parse(all.stdout), [{ Name: 'cc-ls', Status: 'exited(1), running(1)', ConfigFiles: berth.file }]);
  t.is((await berth.bare('ls', '-q')).stdout, 'cc-ls\n');
  t.is((await berth.bare('ls', '-q', '--filter', 'name=^cc-l')).stdout, 'cc-ls\n');
  t.is((await berth.bare('ls', '--format', 'json', '--filter', 'name=other')).stdout, '[]\n');
  const badFilter = await berth.bare('ls', '--filter', 'status=running');
  t.is(badFilter.code, 1);
  t.regex(badFilter.stderr, /error: invalid filter 'status'/);

  const stopped = await berth.run('stop', '-t', '0');
  t.is(stopped.code, 0, stopped.stderr);
  t.is((await berth.bare('ls', '-q')).stdout, '');
  t.is((await berth.bare('ls', '-a', '-q')).stdout, 'cc-ls\n');
});

test('wait blocks until the containers exit, prints each exit code and exits with the first; --down-project removes the project', async (t) => {
  const berth = await commandsFixture(t, compose('cc-wait', '10.240.46.0/24'), 'cc-wait');
  const up = await berth.run('up', '-d', 'app', 'job');
  t.is(up.code, 0, up.stderr);
  const runtime = new ContainerRuntime(berth.paths);
  t.teardown(() => runtime.close());
  const statuses = await runtime.list();
  const idOf = (name: string): string => statuses.find((status) => status.record.name === name)?.record.id ?? '';

  const started = Date.now();
  const waited = await berth.run('wait', 'job');
  t.is(waited.code, 3, waited.stderr);
  t.is(waited.stdout, `container "${idOf('cc-wait-job-1')}" exited with status code 3\n`);
  t.true(Date.now() - started < 60_000);

  // Nothing of job runs any more.
  const none = await berth.run('wait', 'job');
  t.is(none.code, 1);
  t.regex(none.stderr, /error: no containers for project "cc-wait"/);
  const unknown = await berth.run('wait', 'nope');
  t.regex(unknown.stderr, /no such service: nope/);

  // app is killed while `wait` waits for it; then the project goes.
  const waiting = berth.run('wait', '--down-project', 'app');
  setTimeout(() => void runtime.kill(idOf('cc-wait-app-1'), 'SIGKILL').catch(() => undefined), 500);
  const downed = await waiting;
  t.is(downed.code, 137, downed.stderr);
  t.is(downed.stdout, `container "${idOf('cc-wait-app-1')}" exited with status code 137\n`);
  t.deepEqual(await runtime.list(), []);
});
