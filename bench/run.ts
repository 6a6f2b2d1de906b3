// `npm run bench`: run the scenarios, print a table, write JSON with machine facts to bench/results/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BerthTool } from './berth-tool.js';
import { benchConfigLoad } from './config-load.js';
import { benchDns } from './dns.js';
import { DockerTool, dockerInstalled } from './docker-tool.js';
import { benchNetwork } from './network.js';
import { loadAverage } from './process-timing.js';
import { FULL_SIZES, QUICK_SIZES, type StackKind } from './stack-projects.js';
import { benchStack } from './stack-scenarios.js';
import type { BenchResult } from './stats.js';
import { formatTable } from './table.js';
import { benchSupervisionMemory } from './supervision-memory.js';

const { values: flags, positionals: wanted } = parseArgs({
  allowPositionals: true,
  options: {
    // Small stacks, one run: to see that every scenario still works, not to measure.
    quick: { type: 'boolean', default: false },
    // `--vs docker`: the same stacks under docker-compose with a private dockerd.
    vs: { type: 'string' },
    // Measured cycles of the stack and memory scenarios (default 5, 1 with --quick).
    runs: { type: 'string' },
    // Where the JSON goes (default bench/results/).
    results: { type: 'string' },
    // First third octet of the stack subnets, 120–125 (10.240.X.0/24; docker's stacks use X + 10).
    'subnet-base': { type: 'string', default: '120' },
  },
});
const quick = flags.quick;
const vsDocker = flags.vs === 'docker';
if (flags.vs !== undefined && !vsDocker) fail(`--vs ${flags.vs}: only docker is known`);
const runs = Number(process.env.BENCH_RUNS ?? (quick ? 3 : 20));
const stackRuns = Number(flags.runs ?? (quick ? 1 : 5));
const subnetBase = Number(flags['subnet-base']);
if (!(subnetBase >= 120 && subnetBase <= 125)) fail('--subnet-base must be 120–125');
const sizes = quick ? QUICK_SIZES : FULL_SIZES;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

let berth: BerthTool | undefined;
let docker: DockerTool | undefined;
let imageDir: string | undefined;

/** One berth (private roots, busybox loaded, berthd running) for every stack scenario. */
async function berthTool(): Promise<BerthTool> {
  if (!berth) {
    berth = await BerthTool.open();
    log(`berthd started (pid ${await berth.startDaemon()}), state under ${berth.base}`);
  }
  return berth;
}

/** With `--vs docker`: our own dockerd, the same busybox bytes (`berth image save` → `docker load`). */
async function dockerTool(): Promise<DockerTool | undefined> {
  if (!vsDocker) return undefined;
  if (!docker) {
    if (!dockerInstalled()) installDocker();
    imageDir = await mkdtemp(path.join(tmpdir(), 'bench-image-'));
    const archive = path.join(imageDir, 'busybox.tar');
    await (await berthTool()).saveImage(archive);
    docker = await DockerTool.open(archive);
    log(`dockerd started (pid ${docker.dockerdPid}), roots under ${docker.base}`);
  }
  return docker;
}

function installDocker(): void {
  log('--vs docker: installing Debian docker.io and docker-compose');
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker.io', 'docker-compose'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const stack = (kind: StackKind) => async (): Promise<BenchResult[]> =>
  benchStack(kind, {
    runs: stackRuns,
    warmUp: !quick,
    sizes,
    subnetBase,
    berth: await berthTool(),
    docker: await dockerTool(),
    coldDaemonRuns: kind === 'sleep' ? stackRuns : 0,
    log,
  });

// `npm run bench -- sleep chain` runs only the named scenarios; no names runs them all.
const scenarios: Record<string, () => Promise<BenchResult[]>> = {
  config: () => benchConfigLoad(runs),
  dns: () => benchDns(),
  network: () => benchNetwork(runs),
  sleep: stack('sleep'),
  web: stack('web'),
  chain: stack('chain'),
  'chain-fast': stack('chain-fast'),
  memory: async () => benchSupervisionMemory({ runs: stackRuns, sizes, subnetBase, berth: await berthTool(), docker: await dockerTool(), log }),
};
const unknown = wanted.filter((name) => !(name in scenarios));
if (unknown.length > 0) fail(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);

async function closeTools(): Promise<void> {
  // Each is closed even when the other fails: no stack, daemon or mount of ours may stay.
  if (docker && docker.repeatedDowns > 0) log(`docker-compose down failed on "active endpoints" and was repeated ${docker.repeatedDowns} times (counted in its time)`);
  await docker?.close().catch((error: unknown) => log(`closing docker: ${String(error)}`));
  docker = undefined;
  await berth?.close().catch((error: unknown) => log(`closing berth: ${String(error)}`));
  berth = undefined;
  if (imageDir) await rm(imageDir, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: bringing down what the bench started`);
    void closeTools().finally(() => process.exit(130));
  });
}

const loadStart = loadAverage();
const results: BenchResult[] = [];
const failures: string[] = [];
try {
  for (const [name, run] of Object.entries(scenarios)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    try {
      results.push(...(await run()));
    } catch (error) {
      if (interrupted) break;
      failures.push(name);
      log(`scenario ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
} finally {
  if (!interrupted) await closeTools();
}
if (interrupted) await new Promise(() => undefined); // the signal handler exits

console.log(formatTable(results));
const loadEnd = loadAverage();
console.log(`\nload average (1 min) ${loadStart} at the start, ${loadEnd} at the end, on ${cpus().length} cores${quick ? '; --quick: small stacks, one run, no targets' : ''}`);

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memory: totalmem(),
  kernel: release(),
  load: { start: loadStart, end: loadEnd },
  tools: toolVersions(),
};
const resultsDir = flags.results ? path.resolve(flags.results) : new URL('./results/', import.meta.url).pathname;
mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `bench-${quick ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ machine, options: { quick, vs: flags.vs ?? null, runs: stackRuns, sizes, scenarios: wanted }, results, failures }, null, 2)}\n`);
console.log(`written to ${file}`);
if (failures.length > 0) {
  console.error(`failed scenarios: ${failures.join(', ')}`);
  process.exitCode = 1;
}

function toolVersions(): Record<string, string> {
  const version = (command: string, args: string[]): string => {
    try {
      return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]?.trim() ?? '';
    } catch {
      return 'absent';
    }
  };
  const versions: Record<string, string> = { runc: version('runc', ['--version']), conmon: version('conmon', ['--version']) };
  if (vsDocker) {
    versions.dockerd = version('/usr/sbin/dockerd', ['--version']);
    versions['docker-compose'] = version('/usr/bin/docker-compose', ['version', '--short']);
  }
  return versions;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
