// The thin client: berthd runs the commands it can for `bin/berth.js`, with the same output and exit
// codes as the full CLI; everything else is handed back before a byte is printed.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { runInsideBerthd } from '../../../src/cli/berthd-cli-client.js';
import type { CliReply } from '../../../src/cli/berthd-cli-server.js';
import { cliBuildId } from '../../../src/cli/cli-build.js';
import { main } from '../../../src/cli/main.js';
import { ensureDaemon, stopDaemon } from '../../../src/daemon/daemon-process.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import type { StatePaths } from '../../../src/state/paths.js';
import { cliFixture } from '../../helpers/cli-fixture.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { buildBusyboxDockerArchive } from '../../helpers/test-image.js';
import { daemonCommandFromSource } from './fixtures/daemon-command.js';

const execFileAsync = promisify(execFile);

const compose = (project: string, subnet: string): string => `name: ${project}
services:
  web:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    environment:
${[1, 2, 3].map((n) => `      BIG${n}: "${'x'.repeat(100_000)}"\n`).join('')}networks:
  default:
    ipam:
      config: [{ subnet: ${subnet} }]
`;

interface Captured {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

interface ThinFixture {
  paths: StatePaths;
  env: Record<string, string>;
  dir: string;
  /** The thin client, in this process, against berthd run from the sources (so both are one build). */
  thin(args: string[], options?: { tty?: boolean }): Promise<Captured>;
  /** The full CLI in this process. */
  local(args: string[]): Promise<Captured>;
}

async function thinFixture(t: ExecutionContext, project: string, subnet: string): Promise<ThinFixture> {
  const paths = await tempStatePaths(t, 'berth-thin');
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-thin-proj-'));
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '', NO_COLOR: '1' };
  const capture = async (run: (io: { stdout: { write(text: string): void }; stderr: { write(text: string): void } }) => Promise<number | undefined>): Promise<Captured> => {
    const captured: Captured = { code: undefined, stdout: '', stderr: '' };
    captured.code = await run({ stdout: { write: (text) => void (captured.stdout += text) }, stderr: { write: (text) => void (captured.stderr += text) } });
    return captured;
  };
  const local = (args: string[]): Promise<Captured> => capture((io) => main(args, { cwd: dir, env, ...io }));
  t.teardown(async () => {
    await local(['down', '-v', '-t', '0']).catch(() => undefined);
    await stopDaemon(paths).catch((error: unknown) => t.log(`stop berthd: ${String(error)}`));
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(path.join(dir, 'compose.yaml'), compose(project, subnet));
  const archive = path.join(dir, 'busybox.tar');
  buildBusyboxDockerArchive(archive);
  t.is((await local(['image', 'load', '-q', '-i', archive])).code, 0);
  const { client } = await ensureDaemon(paths, { env, command: daemonCommandFromSource(), startTimeoutMs: 30_000 });
  await client.close();
  return {
    paths,
    env,
    dir,
    local,
    thin: (args, options = {}) =>
      capture((io) =>
        runInsideBerthd(args, env, dir, {
          stdout: { ...io.stdout, isTTY: options.tty === true },
          stderr: io.stderr,
        }),
      ),
  };
}

/** Durations in progress lines, and how long ago things happened in `ps`, differ between two runs. */
const withoutTimes = (text: string): string =>
  text.replace(/ +[\d.]+s$/gm, '').replace(/"(RunningFor|Status)":"[^"]*"/g, '"$1":"…"');

test('berthd runs up -d, ps, config and down for the thin client, with the full CLI output and exit codes', async (t) => {
  t.timeout(120_000);
  const berth = await thinFixture(t, 'thin-a', '10.240.47.0/24');

  const up = await berth.thin(['up', '-d']);
  t.is(up.code, 0, up.stderr);
  t.is(up.stdout, '');
  t.regex(up.stderr, /Container thin-a-web-1 {2}Started/);
  const runtime = new ContainerRuntime(berth.paths);
  t.teardown(() => runtime.close());
  t.deepEqual((await runtime.list()).map((status) => [status.record.name, status.state]), [['thin-a-web-1', 'running']]);

  // A no-op up, ps and config: byte for byte what the full CLI prints.
  for (const args of [['up', '-d'], ['ps', '--format', 'json'], ['ps', '-a', '-q'], ['config', '--services'], ['version']]) {
    const [thin, local] = [await berth.thin(args), await berth.local(args)];
    t.is(thin.code, local.code, args.join(' '));
    t.is(withoutTimes(thin.stdout), withoutTimes(local.stdout), args.join(' '));
    t.is(withoutTimes(thin.stderr), withoutTimes(local.stderr), args.join(' '));
  }
  // Over the protocol's pieces (256 KiB each): 300 kB of environment comes back whole.
  const config = await berth.thin(['config']);
  t.is(config.code, 0, config.stderr);
  t.is(config.stdout, (await berth.local(['config'])).stdout);
  t.true(config.stdout.includes(`BIG3: ${'x'.repeat(100_000)}`));

  // Mistakes: the same message and exit code as the full CLI.
  for (const args of [['up', '-d', 'nope'], ['stop', '--frobnicate'], ['-f', 'missing.yaml', 'ps']]) {
    const [thin, local] = [await berth.thin(args), await berth.local(args)];
    t.not(thin.code, 0, args.join(' '));
    t.is(thin.code, local.code, args.join(' '));
    t.is(thin.stderr, local.stderr, args.join(' '));
  }

  const down = await berth.thin(['down', '-t', '0']);
  t.is(down.code, 0, down.stderr);
  t.regex(down.stderr, /Container thin-a-web-1 {2}Removed/);
  t.deepEqual(await runtime.list(), []);
  t.deepEqual(await hostLinksMatching(['10.240.47.']), []);
});

test('commands that need the client (attached up, exec, logs, a terminal, stdin) are handed back before anything is printed', async (t) => {
  t.timeout(120_000);
  const berth = await thinFixture(t, 'thin-b', '10.240.48.0/24');
  for (const args of [['up'], ['up', 'web'], ['exec', 'web', 'ps'], ['logs'], ['-f', '-', 'config'], ['image', 'ls'], ['daemon', 'status']]) {
    const handed = await berth.thin(args);
    t.deepEqual(handed, { code: undefined, stdout: '', stderr: '' }, args.join(' '));
  }
  t.deepEqual(await berth.thin(['ps'], { tty: true }), { code: undefined, stdout: '', stderr: '' });
  t.deepEqual(await runInsideBerthd(['ps'], { ...berth.env, BERTH_THIN_CLI: '0' }, berth.dir, { stdout: { write: () => t.fail() }, stderr: { write: () => t.fail() } }), undefined);
  // No berthd at all: the full CLI starts one.
  const elsewhere = await tempStatePaths(t, 'berth-thin-none');
  t.is(await runInsideBerthd(['ps'], { ...berth.env, BERTH_ROOT: elsewhere.root, BERTH_RUN: elsewhere.run }, berth.dir), undefined);
  t.is((await berth.thin(['ps', '-q'])).code, 0);
});

test('berthd hands the command back to a client of another build, or of other state roots', async (t) => {
  t.timeout(120_000);
  const berth = await thinFixture(t, 'thin-c', '10.240.49.0/24');
  const { client } = await ensureDaemon(berth.paths, { env: berth.env, command: daemonCommandFromSource() });
  t.teardown(() => client.close());
  const ask = (build: string, env: Record<string, string>): Promise<CliReply> => client.call<CliReply>('cli', { args: ['ps'], cwd: berth.dir, env, build });
  t.deepEqual(await ask(cliBuildId(), berth.env), { exitCode: 0 });
  t.deepEqual(await ask('0.0.0@1', berth.env), { runInClient: true });
  t.deepEqual(await ask(cliBuildId(), { ...berth.env, BERTH_ROOT: '/tmp/another-root' }), { runInClient: true });
  t.deepEqual(await client.call<CliReply>('cli', { args: 'ps' }), { runInClient: true });
});

test('bin/berth.js: a compiled thin client prints what the full CLI prints', async (t) => {
  t.timeout(120_000);
  const { dir, file, env, run } = await cliFixture(t, compose('thin-d', '10.240.50.0/24'), 'berth-thin-bin');
  t.is((await run('up', '-d')).code, 0);
  const berth = (extra: Record<string, string>, ...args: string[]) =>
    execFileAsync(process.execPath, [path.resolve('bin/berth.js'), '-f', file, ...args], { cwd: dir, env: { ...env, ...extra } });
  // (Not `ps`'s table: its "Up 1 second" may tick between the two runs.)
  for (const args of [['ps', '-q'], ['ps', '--services'], ['up', '-d'], ['config', '--services']]) {
    const [thin, local] = [await berth({}, ...args), await berth({ BERTH_THIN_CLI: '0' }, ...args)];
    t.is(thin.stdout, local.stdout, args.join(' '));
    t.is(withoutTimes(thin.stderr), withoutTimes(local.stderr), args.join(' '));
  }
});
