import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Command } from 'commander';
import type { CommandContext } from '../../../src/cli/command-context.js';
import { registerLogsCommand } from '../../../src/cli/commands/logs.js';
import { addGlobalOptions } from '../../../src/cli/global-options.js';
import { main } from '../../../src/cli/main.js';
import { composeLabels } from '../../../src/engine/compose-labels.js';
import { writeHealthRecord } from '../../../src/engine/health-record.js';
import { NetworkStore } from '../../../src/network/network-store.js';
import type { ServiceConfig } from '../../../src/spec/model.js';
import { type RuntimeFixture, runtimeFixture } from './runtime-fixture.js';

interface Cli {
  run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  context(): CommandContext & { output: () => string };
}

async function emptyDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-ps-logs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function cliFor(f: RuntimeFixture, cwd: string, env: Record<string, string> = {}): Cli {
  const context = (): CommandContext & { output: () => string } => {
    let stdout = '';
    return {
      cwd,
      env: { HOME: '/nonexistent', BERTH_ROOT: f.runtime.paths.root, BERTH_RUN: f.runtime.paths.run, ...env },
      stdout: { write: (text: string) => void (stdout += text) },
      stderr: { write: (text: string) => void (stdout += text) },
      output: () => stdout,
    };
  };
  return {
    context,
    async run(args) {
      let stdout = '';
      let stderr = '';
      const code = await main(args, {
        ...context(),
        stdout: { write: (text) => void (stdout += text) },
        stderr: { write: (text) => void (stderr += text) },
      });
      return { code, stdout, stderr };
    },
  };
}

function projectName(): string {
  return `pl${randomBytes(4).toString('hex')}`;
}

/** Start a container of `service` (replica `number`) in `project`, named as compose names it. */
async function runService(f: RuntimeFixture, project: string, service: string, number: number, config: ServiceConfig, options: { start?: boolean; oneoff?: boolean } = {}): Promise<string> {
  const labels = composeLabels({ project, service, number, configHash: 'h', oneoff: options.oneoff === true });
  const name = options.oneoff ? `${project}-${service}-run-${randomBytes(3).toString('hex')}` : `${project}-${service}-${number}`;
  return options.start === false ? f.create(config, { name, labels }) : f.run(config, { name, labels });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('ps shows running containers with health and ports; -a, --status, -q, --services and json show the rest', async (t) => {
  const f = await runtimeFixture(t);
  const project = projectName();
  const cli = cliFor(f, await emptyDir(t));
  const web = await runService(f, project, 'web', 1, { command: ['sh', '-c', 'echo web-up; sleep 60'] });
  const job = await runService(f, project, 'job', 1, { command: ['sh', '-c', 'exit 3'] });
  await runService(f, project, 'db', 1, { command: ['sleep', '60'] }, { start: false });
  const oneoff = await runService(f, project, 'job', 1, { command: ['true'] }, { oneoff: true });
  await runService(f, projectName(), 'web', 1, { command: ['sleep', '60'] });
  t.is((await f.runtime.wait(job, 10_000))?.exitCode, 3);
  t.is((await f.runtime.wait(oneoff, 10_000))?.exitCode, 0);
  await writeHealthRecord(f.runtime.files(web).dir, { status: 'healthy', failingStreak: 0, log: [] });
  await new NetworkStore(f.runtime.paths).write({
    id: 'a'.repeat(64),
    name: `${project}_default`,
    bridge: 'br-test',
    addressing: { subnet: '10.99.0.0/24', gateway: '10.99.0.1', auxAddresses: {} },
    internal: false,
    attachable: false,
    labels: {},
    driverOptions: {},
    created: new Date().toISOString(),
    endpoints: { [web]: { container: web, address: '10.99.0.2', mac: '02:00:00:00:00:02', ifname: 'eth0', hostIfname: 'veth-test', netnsPath: '/nonexistent', expose: ['9000'] } },
    ports: [{ container: web, hostIp: '127.0.0.1', hostPort: 18080, protocol: 'tcp', containerIp: '10.99.0.2', containerPort: 8080 }],
  });

  const running = await cli.run(['-p', project, 'ps']);
  t.is(running.code, 0, running.stderr);
  const lines = running.stdout.trimEnd().split('\n');
  t.is(lines.length, 2, running.stdout);
  t.regex(lines[0] ?? '', /^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
  t.regex(lines[1] ?? '', new RegExp(`^${project}-web-1 +busybox:test +"sh -c 'echo web-up;…" +web +(Less than a second|\\d+ seconds?) ago +Up (Less than a second|\\d+ seconds?) \\(healthy\\) +9000/tcp, 127\\.0\\.0\\.1:18080->8080/tcp$`));

  const all = await cli.run(['-p', project, 'ps', '-a']);
  const rows = all.stdout.trimEnd().split('\n').slice(1);
  t.deepEqual(rows.map((row) => row.split(/ {3,}/)[0]), [`${project}-db-1`, `${project}-job-1`, rows[2]?.split(/ {3,}/)[0], `${project}-web-1`]);
  t.regex(rows[2] ?? '', new RegExp(`^${project}-job-run-`));
  t.regex(rows[0] ?? '', / Created\s*$/);
  t.regex(rows[1] ?? '', / Exited \(3\) (Less than a second|\d+ seconds?) ago\s*$/);

  const json = (await cli.run(['-p', project, 'ps', '-a', '--format', 'json'])).stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.deepEqual(json.map((object) => [object['Service'], object['State'], object['ExitCode'], object['Health']]), [
    ['db', 'created', 0, ''],
    ['job', 'exited', 3, ''],
    ['job', 'exited', 0, ''],
    ['web', 'running', 0, 'healthy'],
  ]);
  const webJson = json[3] ?? {};
  t.is(webJson['ID'], web.slice(0, 12));
  t.is(webJson['Project'], project);
  t.is(webJson['Networks'], `${project}_default`);
  t.deepEqual(webJson['Publishers'], [
    { URL: '127.0.0.1', TargetPort: 8080, PublishedPort: 18080, Protocol: 'tcp' },
    { URL: '', TargetPort: 9000, PublishedPort: 0, Protocol: 'tcp' },
  ]);

  t.is((await cli.run(['-p', project, 'ps', '-q'])).stdout, `${web}\n`);
  t.is((await cli.run(['-p', project, 'ps', '-a', '--services'])).stdout, 'db\njob\nweb\n');
  const exited = (await cli.run(['-p', project, 'ps', '--status', 'exited', '--format', 'json'])).stdout.trimEnd().split('\n');
  t.is(exited.length, 2, 'a status filter lists stopped and one-off containers too');
  t.is((await cli.run(['-p', project, 'ps', '-a', '-q', '--filter', 'status=created'])).stdout.trim().length, 64);
  t.is((await cli.run(['-p', project, 'ps', '-a', '--services', 'db', 'web'])).stdout, 'db\nweb\n');

  await writeHealthRecord(f.runtime.files(web).dir, { status: 'starting', failingStreak: 0, log: [] });
  t.regex((await cli.run(['-p', project, 'ps'])).stdout, /Up (Less than a second|\d+ seconds?) \(health: starting\)/);
  const bad = await cli.run(['-p', project, 'ps', '--status', 'up']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /invalid status "up"/);
});

test('logs merges the containers\' lines in time order with padded prefixes; tail, since, index and prefix options', async (t) => {
  const f = await runtimeFixture(t);
  const project = projectName();
  const cli = cliFor(f, await emptyDir(t));
  // a1, b1, a2, b2 in time order as long as b starts less than 2 s after a (CI under load took over 0.5 s);
  // then a line long enough for conmon to split.
  const a = await runService(f, project, 'alpha', 1, { command: ['sh', '-c', 'echo a1; sleep 3; echo a2; sleep 4; head -c 20000 /dev/zero | tr "\\0" x; echo'] });
  const b = await runService(f, project, 'b', 1, { command: ['sh', '-c', 'sleep 1; echo b1 >&2; sleep 4; echo b2'] });
  await Promise.all([f.runtime.wait(a, 20_000), f.runtime.wait(b, 20_000)]);
  const long = `alpha-1  | ${'x'.repeat(20000)}`;
  const lines = (text: string): string[] => text.split('\n').map((line) => (line === long ? '<20000 x>' : line.slice(0, 200)));

  const all = await cli.run(['-p', project, 'logs']);
  t.is(all.code, 0, all.stderr);
  t.deepEqual(lines(all.stdout), ['alpha-1  | a1', 'b-1      | b1', 'alpha-1  | a2', 'b-1      | b2', '<20000 x>', '']);

  t.deepEqual(lines((await cli.run(['-p', project, 'logs', '--tail', '1'])).stdout), ['b-1      | b2', '<20000 x>', '']);
  t.is((await cli.run(['-p', project, 'logs', '--no-log-prefix', 'b'])).stdout, 'b1\nb2\n');
  t.is((await cli.run(['-p', project, 'logs', '--index', '1', '-n', '1', 'b'])).stdout, 'b-1  | b2\n');
  t.is((await cli.run(['-p', project, 'logs', '--since', '2099-01-01T00:00:00Z'])).stdout, '');
  t.is((await cli.run(['-p', project, 'logs', '--until', '2000-01-01'])).stdout, '');
  t.is((await cli.run(['-p', project, 'logs', '--since', '1h', 'b'])).stdout, 'b-1  | b1\nb-1  | b2\n');
  t.regex((await cli.run(['-p', project, 'logs', '-t', 'b'])).stdout, /^b-1 {2}\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z b1\n/);

  const noIndex = await cli.run(['-p', project, 'logs', '--index', '2', 'b']);
  t.is(noIndex.code, 1);
  t.regex(noIndex.stderr, /service "b" is not running container #2/);
  t.regex((await cli.run(['-p', project, 'logs', '--index', '1'])).stderr, /--index requires one service/);
  t.regex((await cli.run(['-p', project, 'logs', '--since', 'yesterday'])).stderr, /--since: expected a time or a duration/);
});

test('logs -f prints new lines as they come and ends when the containers have exited', async (t) => {
  const f = await runtimeFixture(t);
  const project = projectName();
  const cli = cliFor(f, await emptyDir(t));
  const id = await runService(f, project, 'ticker', 1, { command: ['sh', '-c', 'echo start; sleep 0.4; echo middle; sleep 0.4; echo end; exit 4'] });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  const result = await cli.run(['-p', project, 'logs', '-f']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'ticker-1  | start\nticker-1  | middle\nticker-1  | end\nticker-1 exited with code 4\n');
  t.true(Date.now() - started >= 500, 'followed until the container ended');
  t.is((await f.runtime.inspect(id))?.state, 'exited');
  // Nothing runs any more: following prints the history and ends at once.
  t.is((await cli.run(['-p', project, 'logs', '-f', '--tail', '1'])).stdout, 'ticker-1  | end\n');
});

test('logs -f follows a container that starts again and one that appears, until its signal aborts', async (t) => {
  const f = await runtimeFixture(t);
  const project = projectName();
  const cli = cliFor(f, await emptyDir(t));
  await runService(f, project, 'keep', 1, { command: ['sh', '-c', 'echo keep; sleep 60'] });
  const again = await runService(f, project, 'again', 1, { command: ['sh', '-c', 'echo run'] });
  await f.runtime.wait(again, 10_000);

  const context = cli.context();
  const program = addGlobalOptions(new Command('berth')).enablePositionalOptions().exitOverride();
  const stop = new AbortController();
  registerLogsCommand(program, context, { signal: stop.signal });
  const following = program.parseAsync(['-p', project, 'logs', '-f', '--no-color'], { from: 'user' });
  await waitFor(() => context.output().includes('keep-1   | keep'), 'the history');

  await f.runtime.start(again);
  await waitFor(() => context.output().split('again-1  | run').length === 3, 'the second run');
  await waitFor(() => context.output().includes('again-1 exited with code 0'), 'the exit line');
  await runService(f, project, 'late', 1, { command: ['sh', '-c', 'echo hello from late; sleep 60'] });
  await waitFor(() => context.output().includes('| hello from late'), 'the new container');
  stop.abort();
  await following;
  const lines = context.output().split('\n');
  t.true(lines.indexOf('keep-1   | keep') < lines.indexOf('again-1  | run'), 'the history is in time order');
  t.is(lines.filter((line) => line === 'again-1  | run').length, 2);
  t.true(lines.some((line) => /^late-1 +\| hello from late$/.test(line)));
});

test('with a compose file: undeclared services are orphans, unknown names are refused, -p alone needs no file', async (t) => {
  const f = await runtimeFixture(t);
  const project = projectName();
  const dir = await emptyDir(t);
  await writeFile(path.join(dir, 'compose.yaml'), `name: ${project}\nservices:\n  web:\n    image: busybox\n  quiet:\n    image: busybox\n    attach: false\n`);
  const cli = cliFor(f, dir);
  await runService(f, project, 'web', 1, { command: ['sh', '-c', 'echo from-web; sleep 60'] });
  await runService(f, project, 'quiet', 1, { command: ['sh', '-c', 'echo from-quiet; sleep 60'] });
  await runService(f, project, 'old', 1, { command: ['sh', '-c', 'echo from-old; sleep 60'] });
  await new Promise((resolve) => setTimeout(resolve, 200));

  t.is((await cli.run(['ps', '--services'])).stdout, 'old\nquiet\nweb\n');
  t.is((await cli.run(['ps', '--services', '--orphans=false'])).stdout, 'quiet\nweb\n');
  const unknown = await cli.run(['ps', 'nope']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /no such service: nope/);
  // attach: false services and orphans stay out of `logs` until named.
  t.is((await cli.run(['logs', '--no-log-prefix'])).stdout, 'from-web\n');
  t.is((await cli.run(['logs', '--no-log-prefix', 'quiet'])).stdout, 'from-quiet\n');

  const elsewhere = cliFor(f, await emptyDir(t));
  t.is((await elsewhere.run(['-p', project, 'ps', '--services'])).stdout, 'old\nquiet\nweb\n');
  const noFile = await elsewhere.run(['ps']);
  t.is(noFile.code, 14);
  t.regex(noFile.stderr, /no configuration file provided/);
  t.is((await cliFor(f, await emptyDir(t), { COMPOSE_PROJECT_NAME: project }).run(['ps', '--services'])).stdout, 'old\nquiet\nweb\n');
  t.is((await elsewhere.run(['-p', projectName(), 'ps'])).stdout.trimEnd().split('\n').length, 1, 'an unknown project lists nothing');
});

test('logs -f waits for a container its restart policy brings back, and ends once it is stopped', async (t) => {
  const f = await runtimeFixture(t);
  const project = projectName();
  const dir = await emptyDir(t);
  await writeFile(path.join(dir, 'compose.yaml'), `name: ${project}\nservices:\n  r:\n    image: busybox\n    restart: always\n`);
  const cli = cliFor(f, dir);
  const id = await runService(f, project, 'r', 1, { command: ['sh', '-c', 'echo round; if [ -f /tmp/long ]; then sleep 30; else sleep 0.3; fi'] });
  const context = cli.context();
  const following = main(['logs', '-f'], context);
  await waitFor(() => context.output().includes('r-1 exited with code 0 (restarting)'), 'the restarting exit');
  // What the engine would do: start it again (this time it runs until stopped).
  await writeFile(path.join(f.rootfs, 'tmp/long'), '');
  await f.runtime.start(id);
  await waitFor(() => context.output().split('r-1  | round').length === 3, 'the second round');
  await f.runtime.stop(id, { timeoutMs: 500 });
  t.is(await following, 0);
  t.deepEqual(context.output().split('\n'), ['r-1  | round', 'r-1 exited with code 0 (restarting)', 'r-1  | round', 'r-1 exited with code 137', '']);
});
