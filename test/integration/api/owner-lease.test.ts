import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { up } from '../../../src/api/index.js';
import { daemonPaths, ensureDaemon } from '../../../src/daemon/daemon-process.js';
import { listProjectContainers } from '../../../src/engine/project-containers.js';
import type { StatePaths } from '../../../src/state/paths.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { type ApiFixture, apiFixture } from './api-fixture.js';

const owner = new URL('fixtures/lease-owner.ts', import.meta.url).pathname;

/** Runs the owner script; resolves with the child once it printed `up ...`. Killed by pid in teardown if still there. */
async function startOwner(t: ExecutionContext, fixture: ApiFixture, args: string[]): Promise<{ pid: number; exited: Promise<number | null>; line: string }> {
  const child = spawn(process.execPath, ['--import=tsx', owner, ...args], {
    env: { ...process.env, ...fixture.env, DAEMON_COMMAND: JSON.stringify(fixture.daemonCommand) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.trim());
    });
    void exited.then((code) => reject(new Error(`the owner exited (${code}) before its stack was up: ${stderr}`)));
  });
  return { pid: child.pid ?? 0, exited, line };
}

/** Milliseconds until the project has no containers and nothing of the subnet is on the host, or throws after `limitMs`. */
async function untilGone(paths: StatePaths, project: string, subnetPrefix: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const containers = await listProjectContainers(paths, { project });
    const links = await hostLinksMatching([subnetPrefix]);
    if (containers.length === 0 && links.length === 0) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`still there after ${limitMs} ms: ${containers.map((c) => `${c.name} ${c.state}`).join(', ')} ${links.join(', ')}`);
    await sleep(50);
  }
}

const berthdLog = async (paths: StatePaths): Promise<string> => readFile(daemonPaths(paths).logFile, 'utf8').catch(() => '');

test('a test process killed with SIGKILL: berthd takes its stack down within seconds (owner lease)', async (t) => {
  const fixture = await apiFixture(t, 'berth-lease');
  const { pid, line, exited } = await startOwner(t, fixture, ['api-lease-kill', '10.240.73.0/24', 'stay']);
  t.regex(line, /^up api-lease-kill 10\.240\.73\.\d+$/);
  t.is((await listProjectContainers(fixture.paths, { project: 'api-lease-kill' })).filter((c) => c.state === 'running').length, 2);
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await exited;
  const goneAfter = await untilGone(fixture.paths, 'api-lease-kill', '10.240.73.', 30_000);
  t.log(`stack gone ${goneAfter} ms after the owner's exit (${Date.now() - killedAt} ms after SIGKILL)`);
  t.true(goneAfter < 15_000);
  t.regex(await berthdLog(fixture.paths), /the owner of project api-lease-kill went away .*taking the stack down/);
});

test('a process that ends without down is not held open by its lease, and its stack goes with it', async (t) => {
  const fixture = await apiFixture(t, 'berth-lease');
  const { exited } = await startOwner(t, fixture, ['api-lease-leave', '10.240.74.0/24', 'leave']);
  t.is(await exited, 0);
  await untilGone(fixture.paths, 'api-lease-leave', '10.240.74.', 10_000);
  t.pass();
});

test('down releases the lease: berthd does not take the project down again when the owner leaves', async (t) => {
  const fixture = await apiFixture(t, 'berth-lease');
  const stack = await up({
    projectName: 'api-lease-down',
    env: fixture.env,
    daemonCommand: fixture.daemonCommand,
    projectDirectory: fixture.dir,
    spec: { services: { app: { image: 'busybox', command: ['sleep', '3600'] } }, networks: { default: { ipam: { config: [{ subnet: '10.240.75.0/24' }] } } } },
  });
  await stack.down();
  t.deepEqual(await listProjectContainers(fixture.paths, { project: 'api-lease-down' }), []);
  // The release was acknowledged before down() returned; nothing is left to reap.
  await sleep(200);
  t.notRegex(await berthdLog(fixture.paths), /went away/);
});

test('berthd killed while a lease is held: the next berthd takes the leased stack down instead of resuming it', async (t) => {
  const fixture = await apiFixture(t, 'berth-lease');
  const { pid } = await startOwner(t, fixture, ['api-lease-berthd', '10.240.77.0/24', 'stay']);
  const berthd = Number((await readFile(daemonPaths(fixture.paths).pidFile, 'utf8')).trim());
  process.kill(berthd, 'SIGKILL');
  // Its lease connection died with berthd; the owner goes too, so nothing could hold the lease again.
  process.kill(pid, 'SIGKILL');
  const { client } = await ensureDaemon(fixture.paths, { env: { ...process.env, ...fixture.env }, command: fixture.daemonCommand });
  await client.close();
  await untilGone(fixture.paths, 'api-lease-berthd', '10.240.77.', 15_000);
  t.regex(await berthdLog(fixture.paths), /lease of project api-lease-berthd outlived its berthd: taking the stack down/);
});
