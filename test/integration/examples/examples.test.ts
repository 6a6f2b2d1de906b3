// Every stack under examples/ runs as it is: `berth up --wait`, a check of what it is for, `berth down -v`.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import type { CliResult } from '../../helpers/cli-fixture.js';
import { REPOSITORY, type ExampleFixture, type ExampleOptions, type SavedImage, exampleFixture as fixtureWith, saveScriptBusybox } from '../../helpers/example-fixture.js';

const execFileAsync = promisify(execFile);

// Subnets 10.240.140–145.0/24 and host ports 18600–18603: this file's own, so parallel test files never collide.

let busybox: SavedImage | undefined;
test.before(async () => {
  busybox = await saveScriptBusybox();
});
test.after.always(async () => {
  await busybox?.remove();
});

/** The example on its own state roots, with the busybox that scripts/busybox-image.sh made (run once for the file). */
function exampleFixture(t: ExecutionContext, options: ExampleOptions): Promise<ExampleFixture> {
  return fixtureWith(t, { ...options, imageArchive: busybox?.archive });
}

interface PsEntry {
  Service: string;
  ID: string;
  State: string;
  Health: string;
  ExitCode: number;
}

async function ps(t: ExecutionContext, stack: ExampleFixture): Promise<PsEntry[]> {
  const result = await stack.run('ps', '-a', '--format', 'json');
  t.is(result.code, 0, result.stderr);
  return result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as PsEntry);
}

function byService(entries: readonly PsEntry[]): Record<string, PsEntry> {
  return Object.fromEntries(entries.map((entry) => [entry.Service, entry]));
}

/**
 * `ps` by service once every running container with a healthcheck shows its health (at most ~2 s). `up --wait`
 * returns when the loop saw "healthy", but health.json (what ps reads) is written a moment later, not before
 * (src/engine/health-supervisor.ts writes it without waiting): ps straight after up may show no health yet.
 */
async function settledPs(t: ExecutionContext, stack: ExampleFixture, withHealthcheck: readonly string[]): Promise<Record<string, PsEntry>> {
  for (let attempt = 0; ; attempt += 1) {
    const services = byService(await ps(t, stack));
    const pending = withHealthcheck.some((name) => services[name]?.State === 'running' && services[name]?.Health === '');
    if (!pending || attempt === 20) return services;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** GET from the host over loopback, where the example publishes its port. */
async function httpGet(port: number, route = '/'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

function succeeded(t: ExecutionContext, result: CliResult): void {
  t.is(result.code, 0, `${result.stderr}\n${result.stdout}`);
}

/** down -v removed the containers, the volumes it names, and the bridge holding the subnet. */
async function downRemovesEverything(t: ExecutionContext, stack: ExampleFixture, subnetPrefix: string, volumes: readonly string[], ...flags: string[]): Promise<void> {
  const down = await stack.run(...flags, 'down', '-v', '-t', '1');
  succeeded(t, down);
  for (const volume of volumes) t.regex(down.stderr, new RegExp(`Volume ${volume} {2}Removed`));
  t.deepEqual(await ps(t, stack), []);
  const { stdout } = await execFileAsync('ip', ['-o', '-4', 'addr', 'show']);
  t.false(stdout.includes(` ${subnetPrefix}`), `an address in ${subnetPrefix}0/24 is left:\n${stdout}`);
}

test('web-db-cache: web starts after db and cache are healthy and serves www/ on its published port', async (t) => {
  const stack = await exampleFixture(t, {
    example: 'web-db-cache',
    project: 'ex-web-db-cache',
    env: { WEB_PORT: '18600' },
    // The example picks its subnet automatically; a fixed one keeps it clear of the other test files.
    override: 'networks:\n  default:\n    ipam:\n      config: [{ subnet: 10.240.140.0/24 }]\n',
  });
  const up = await stack.run('up', '--wait');
  succeeded(t, up);
  const order = (line: string): number => up.stderr.indexOf(line);
  t.true(order('ex-web-db-cache-web-1  Started') > order('ex-web-db-cache-db-1  Healthy'), up.stderr);
  t.true(order('ex-web-db-cache-web-1  Started') > order('ex-web-db-cache-cache-1  Healthy'), up.stderr);
  t.true(order('ex-web-db-cache-db-1  Healthy') >= 0 && order('ex-web-db-cache-cache-1  Healthy') >= 0, up.stderr);

  const services = await settledPs(t, stack, ['web', 'db', 'cache']);
  t.deepEqual(Object.keys(services).sort(), ['cache', 'db', 'web']);
  for (const entry of Object.values(services)) t.like(entry, { State: 'running', Health: 'healthy' });
  const page = await httpGet(18600);
  t.is(page.status, 200);
  t.is(page.body, await readFile(path.join(REPOSITORY, 'examples/web-db-cache/www/index.html'), 'utf8'));

  await downRemovesEverything(t, stack, '10.240.140.', ['ex-web-db-cache_dbdata']);
});

test('health-chain: each link starts only once the one before it is healthy, and the last link ends healthy', async (t) => {
  const stack = await exampleFixture(t, {
    example: 'health-chain',
    project: 'ex-health-chain',
    env: { HEALTH_CHAIN_SUBNET: '10.240.141.0/24' },
  });
  const up = await stack.run('up', '--wait');
  succeeded(t, up);
  t.regex(up.stderr, /Container ex-health-chain-link5-1 {2}Healthy/);
  const services = await settledPs(t, stack, ['link1', 'link2', 'link3', 'link4', 'link5']);
  t.like(services['link5'], { State: 'running', Health: 'healthy' });
  t.is(Object.values(services).filter((entry) => entry.Health === 'healthy').length, 5);

  // Each link prints "linkN starting" then "linkN ready"; its healthcheck turns healthy only after "ready".
  const logs = await stack.run('logs', '--timestamps', '--no-log-prefix');
  succeeded(t, logs);
  const at = (text: string): number => {
    const line = logs.stdout.split('\n').find((candidate) => candidate.endsWith(` ${text}`));
    if (line === undefined) throw new Error(`no "${text}" in the logs:\n${logs.stdout}`);
    return Date.parse(line.slice(0, line.indexOf(' ')));
  };
  for (let link = 2; link <= 5; link += 1) {
    t.true(at(`link${link} starting`) >= at(`link${link - 1} ready`), `link${link} started before link${link - 1} was ready:\n${logs.stdout}`);
  }

  await downRemovesEverything(t, stack, '10.240.141.', []);
});

test('health-chain with break-link3.yaml: up fails naming link3, the links before it stay healthy, the links after it never start', async (t) => {
  const stack = await exampleFixture(t, {
    example: 'health-chain',
    project: 'ex-health-chain-broken',
    env: { HEALTH_CHAIN_SUBNET: '10.240.144.0/24' },
  });
  const up = await stack.run('-f', 'compose.yaml', '-f', 'break-link3.yaml', 'up', '--wait');
  t.is(up.code, 1, up.stderr);
  t.regex(up.stderr, /error: up failed: service link3: exited with code 3/);
  const services = await settledPs(t, stack, ['link1', 'link2']);
  t.like(services, {
    link1: { State: 'running', Health: 'healthy' },
    link2: { State: 'running', Health: 'healthy' },
    link3: { State: 'exited', ExitCode: 3 },
    link4: { State: 'created' },
    link5: { State: 'created' },
  });
  await downRemovesEverything(t, stack, '10.240.144.', []);
});

test('migration: app serves over HTTP on the host exactly what the one-shot migrate wrote into the volume, after it exited 0', async (t) => {
  const stack = await exampleFixture(t, {
    example: 'migration',
    project: 'ex-migration',
    env: { MIGRATION_PORT: '18601', MIGRATION_SUBNET: '10.240.142.0/24' },
  });
  const up = await stack.run('up', '--wait');
  succeeded(t, up);
  t.regex(up.stderr, /Container ex-migration-migrate-1 {2}Exited \(0\)/);
  const services = await settledPs(t, stack, ['app']);
  t.like(services['migrate'], { State: 'exited', ExitCode: 0 });
  t.like(services['app'], { State: 'running', Health: 'healthy' });

  const written = await stack.run('logs', '--no-log-prefix', 'migrate');
  succeeded(t, written);
  t.regex(written.stdout, /^schema version 3\napplied by [0-9a-f]{12} at \d{4}-\d\d-\d\dT/);
  const page = await httpGet(18601);
  t.is(page.status, 200);
  t.is(page.body, written.stdout);

  await downRemovesEverything(t, stack, '10.240.142.', ['ex-migration_appdata']);
});

test('migration with break-migrate.yaml: up fails naming migrate and app is never started', async (t) => {
  const stack = await exampleFixture(t, {
    example: 'migration',
    project: 'ex-migration-broken',
    env: { MIGRATION_PORT: '18603', MIGRATION_SUBNET: '10.240.145.0/24' },
  });
  const up = await stack.run('-f', 'compose.yaml', '-f', 'break-migrate.yaml', 'up', '--wait');
  t.is(up.code, 1, up.stderr);
  t.regex(up.stderr, /service app: service "migrate" didn't complete successfully: exit 4/);
  t.like(byService(await ps(t, stack)), { migrate: { State: 'exited', ExitCode: 4 }, app: { State: 'created' } });
  const logs = await stack.run('logs', '--no-log-prefix', 'migrate');
  t.regex(logs.stdout, /migration 0004 failed/);
  await downRemovesEverything(t, stack, '10.240.145.', ['ex-migration-broken_appdata']);
});

test('dev-env: the page is the bind-mounted source file (edits show at once), .env feeds the service, --profile debug adds the debug tool', async (t) => {
  const stack = await exampleFixture(t, {
    example: 'dev-env',
    project: 'ex-dev-env',
    copy: true,
    env: { DEV_PORT: '18602', DEV_ENV_SUBNET: '10.240.143.0/24' },
  });
  const source = path.join(stack.dir, 'src', 'index.html');
  const up = await stack.run('up', '--wait');
  succeeded(t, up);
  const before = await settledPs(t, stack, ['web']);
  t.deepEqual(Object.keys(before), ['web'], 'the debug service is left out without its profile');
  t.like(before['web'], { State: 'running', Health: 'healthy' });
  t.is((await httpGet(18602)).body, await readFile(source, 'utf8'));

  const edited = '<!doctype html>\n<title>edited on the host</title>\n<p>no rebuild, no restart</p>\n';
  await writeFile(source, edited);
  t.is((await httpGet(18602)).body, edited);
  const webLogs = await stack.run('logs', '--no-log-prefix', 'web');
  t.regex(webLogs.stdout, /^web: development, hello from \.env$/m);

  const withDebug = await stack.run('--profile', 'debug', 'up', '--wait');
  succeeded(t, withDebug);
  const after = await settledPs(t, stack, ['web', 'debug']);
  t.like(after['debug'], { State: 'running', Health: 'healthy' });
  t.is(after['web']?.ID, before['web']?.ID, 'web is kept, not recreated');
  const debugLogs = await stack.run('--profile', 'debug', 'logs', '--no-log-prefix', 'debug');
  t.regex(debugLogs.stdout, /^debug: web answers: edited on the host$/m);

  await downRemovesEverything(t, stack, '10.240.143.', [], '--profile', 'debug');
});
