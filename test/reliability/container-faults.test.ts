// Faults under a running stack: its monitor or its process killed from the host, its network out of
// addresses. After each, `up` converges and `down` leaves nothing of the project on the host.
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { ContainerRuntime, type ContainerStatus } from '../../src/runtime/container-runtime.js';
import { cliFixture } from '../helpers/cli-fixture.js';
import { assertNothingLeft } from './leftovers.js';

const stack = (project: string, subnet: string, service: string): string => `name: ${project}
services:
${service}networks:
  default:
    ipam:
      config: [{ subnet: ${subnet} }]
`;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const started = Date.now(); !(await check()); await delay(100)) {
    if (Date.now() - started > timeoutMs) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
  }
}

const ofService = (statuses: readonly ContainerStatus[], name: string): ContainerStatus[] => statuses.filter((status) => status.record.name.startsWith(name));

test('the container’s process killed from the host: restart: always brings it back, restart: "no" leaves it exited with 137', async (t) => {
  t.timeout(120_000);
  const services = `  always:\n    image: busybox\n    init: true\n    restart: always\n    command: ["sleep", "3600"]\n  once:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n`;
  const { paths, run } = await cliFixture(t, stack('rf-kill-proc', '10.240.170.0/24', services), 'rf-kill-proc');
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  t.is((await run('up', '-d')).code, 0);
  const before = await runtime.list();
  for (const status of before) {
    t.truthy(status.pid);
    process.kill(status.pid ?? 0, 'SIGKILL');
  }
  const always = ofService(before, 'rf-kill-proc-always')[0];
  await until('always is running again with a new pid', async () => {
    const now = await runtime.inspect(always?.record.id ?? '');
    return now?.state === 'running' && now.pid !== always?.pid;
  });
  const once = await runtime.inspect(ofService(before, 'rf-kill-proc-once')[0]?.record.id ?? '');
  t.is(once?.state, 'exited');
  t.is(once?.exitCode, 137);

  const up = await run('up', '-d');
  t.is(up.code, 0, up.stderr);
  t.deepEqual((await runtime.list()).map((status) => status.state), ['running', 'running']);
  t.is((await run('down', '-v', '-t', '0')).code, 0);
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.170.'], projects: ['rf-kill-proc'] });
});

test('the container’s monitor (conmon) killed: down still stops and removes the container, and nothing is left', async (t) => {
  t.timeout(120_000);
  const services = `  app:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n`;
  const { paths, run } = await cliFixture(t, stack('rf-kill-mon', '10.240.171.0/24', services), 'rf-kill-mon');
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  t.is((await run('up', '-d')).code, 0);
  const [app] = await runtime.list();
  const conmon = Number((await readFile(runtime.files(app?.record.id ?? '').conmonPidFile, 'utf8')).trim());
  t.true(conmon > 0);
  process.kill(conmon, 'SIGKILL');
  await delay(300);
  // The container's process outlives its monitor.
  t.is((await runtime.inspect(app?.record.id ?? ''))?.state, 'running');
  const up = await run('up', '-d');
  t.is(up.code, 0, up.stderr);
  const down = await run('down', '-v', '-t', '1');
  t.is(down.code, 0, down.stderr);
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.171.'], projects: ['rf-kill-mon'] });
});

test('IP exhaustion: 10 replicas on a /29 fail in one line naming the subnet, the stack stays consistent, and 4 replicas then converge', async (t) => {
  t.timeout(120_000);
  const replicas = (n: number): string => `  app:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n    deploy:\n      replicas: ${n}\n`;
  const { paths, file, run } = await cliFixture(t, stack('rf-ipam', '10.240.172.0/29', replicas(10)), 'rf-ipam');
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const up = await run('up', '-d');
  t.is(up.code, 1);
  // One line for the five replicas that found no address, and what to do.
  const [error, hint] = up.stderr.split('\n').filter((line) => /^(error| {2}hint):/.test(line));
  t.regex(error ?? '', /^error: up failed: service app: no free address left in 10\.240\.172\.0\/29; create-container (rf-ipam-app-\d+, ){4}rf-ipam-app-\d+: no free address left in 10\.240\.172\.0\/29$/);
  t.is(hint, '  hint: use a larger subnet or ip_range, or remove containers from this network');
  const made = await runtime.list();
  t.log(`after the failed up: ${made.length} containers, ${made.filter((status) => status.state === 'running').length} running`);
  t.true(made.length <= 5, 'never more containers than addresses');

  await writeFile(file, stack('rf-ipam', '10.240.172.0/29', replicas(4)));
  const fits = await run('up', '-d');
  t.is(fits.code, 0, fits.stderr);
  const running = (await runtime.list()).filter((status) => status.state === 'running');
  t.is(running.length, 4);
  t.is((await run('down', '-v', '-t', '0')).code, 0);
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.172.'], projects: ['rf-ipam'] });
});
