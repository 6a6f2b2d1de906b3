// `node --import tsx bench/profile-stack.ts`: where the time of a sleep-N cold up, no-op up and down goes (CLI, berthd, engine steps).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../src/engine/engine.js';
import { loadProject } from '../src/spec/load-project.js';
import { BERTH_BIN, BerthTool } from './berth-tool.js';
import { formatWindowSummary, loadCpuProfile, summarizeWindows } from './cpu-profile-summary.js';
import { formatStepStats, recordEngineSteps, stepStats, type StepCall } from './engine-steps.js';
import { loadAverage, timeProcess } from './process-timing.js';
import { FULL_SIZES, type StackSpec, stackSpec } from './stack-projects.js';
import { summarizeSamples } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: String(FULL_SIZES.sleep) },
    runs: { type: 'string', default: '5' },
    // Where the .cpuprofile files go (default: a new directory under /tmp); the summary also goes to bench/results/.
    out: { type: 'string' },
    'subnet-base': { type: 'string', default: '120' },
  },
});
const n = Number(flags.n);
const runs = Number(flags.runs);
const out = flags.out ? path.resolve(flags.out) : mkdtempSync(path.join(tmpdir(), 'bench-profile-'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const stack: StackSpec = stackSpec('sleep', { ...FULL_SIZES, sleep: n }, Number(flags['subnet-base']));
const report: string[] = [];
const say = (text: string): void => {
  report.push(text);
  console.log(text);
};
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
type Step = 'up' | 'noop' | 'down';
const STEPS: Step[] = ['up', 'noop', 'down'];

say(`profile of sleep ${n} (cold up -d, no-op up -d, down -t 0), ${runs} runs; load ${loadAverage()} on start`);
const daemonProfiles = path.join(out, 'berthd');
// NODE_OPTIONS refuses --cpu-prof, and berth starts berthd without node flags: the tool starts it with them.
const tool = await BerthTool.open({ daemonNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${daemonProfiles}`] });
let engine: Engine | undefined;
try {
  const daemonPid = await tool.startDaemon();
  const dir = tool.stackDir(stack);
  const cli = (args: string[], nodeArgs: string[] = []) =>
    timeProcess([process.execPath, ...nodeArgs, BERTH_BIN, '-p', stack.project, ...args], { cwd: dir, env: tool.env });
  // Warm-up: berthd opens its engine, the page cache fills.
  await tool.up(stack, 'cold');
  await tool.down(stack);

  // 1. The CLI's fixed costs, as whole processes.
  const wholes: Record<string, () => Promise<{ ms: number }>> = {
    'node -e 0': () => timeProcess([process.execPath, '-e', '0']),
    'berth version': () => cli(['version']),
    'berth config -q': () => cli(['config', '-q']),
    'berth ps': () => cli(['ps']),
    'berth up -d (no-op)': () => cli(['up', '-d']),
    'berth --progress quiet up -d (no-op)': () => cli(['--progress', 'quiet', 'up', '-d']),
  };
  const wholeSamples = new Map<string, number[]>();
  await tool.up(stack, 'cold');
  for (let run = 0; run < runs; run++) {
    for (const [name, command] of Object.entries(wholes)) wholeSamples.set(name, [...(wholeSamples.get(name) ?? []), (await command()).ms]);
  }
  await tool.down(stack);
  // The cold up and the down without progress output, for what printing it costs.
  const quiet: Record<'up' | 'down', number[]> = { up: [], down: [] };
  for (let run = 0; run < runs; run++) {
    quiet.up.push((await cli(['--progress', 'quiet', 'up', '-d'])).ms);
    quiet.down.push((await cli(['--progress', 'quiet', 'down', '-t', '0'])).ms);
  }
  wholeSamples.set('berth --progress quiet up -d (cold)', quiet.up);
  wholeSamples.set('berth --progress quiet down -t 0', quiet.down);
  say('\nwhole processes (median, min–max of runs):');
  for (const [name, samples] of wholeSamples) {
    const s = summarizeSamples(samples);
    say(`    ${name.padEnd(38)} ${String(s.median).padStart(7)} ms  (${s.min}–${s.max})`);
  }

  // 2. CPU profiles: the CLI of each step, and berthd sliced to the same windows.
  const windows: Record<Step, { from: number; to: number }[]> = { up: [], noop: [], down: [] };
  const wall: Record<Step, number[]> = { up: [], noop: [], down: [] };
  for (let run = 0; run < runs; run++) {
    for (const step of STEPS) {
      const from = nowUs();
      const args = step === 'down' ? ['down', '-t', '0'] : ['up', '-d'];
      const { ms } = await cli(args, ['--cpu-prof', `--cpu-prof-dir=${path.join(out, `cli-${step}`)}`]);
      windows[step].push({ from, to: nowUs() });
      wall[step].push(ms);
    }
    log(`profiled run ${run + 1}: up ${Math.round(wall.up.at(-1) ?? 0)} ms, no-op ${Math.round(wall.noop.at(-1) ?? 0)} ms, down ${Math.round(wall.down.at(-1) ?? 0)} ms`);
  }
  await tool.stopDaemon();
  writeFileSync(path.join(out, 'windows.json'), `${JSON.stringify({ daemonPid, windows }, null, 2)}\n`);
  // One file per thread: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0 the main one.
  const daemonFiles = readdirSync(daemonProfiles).filter((name) => name.includes(`.${daemonPid}.`));
  const isMain = (name: string): boolean => name.includes(`.${daemonPid}.0.`);
  if (!daemonFiles.some(isMain)) throw new Error(`berthd ${daemonPid} wrote no profile in ${daemonProfiles}`);
  const daemonMain = daemonFiles.filter(isMain).map((name) => loadCpuProfile(path.join(daemonProfiles, name)));
  const daemonWorkers = daemonFiles.filter((name) => !isMain(name)).map((name) => loadCpuProfile(path.join(daemonProfiles, name)));
  for (const step of STEPS) {
    const cliDir = path.join(out, `cli-${step}`);
    const cliProfiles = readdirSync(cliDir).map((name) => loadCpuProfile(path.join(cliDir, name)));
    const whole = cliProfiles.map((p) => ({ from: p.startTime, to: p.endTime }));
    const per = (value: number): string => `${Math.round(value / runs)}`;
    say(`\n=== ${step}: whole process median ${summarizeSamples(wall[step]).median} ms (profiled, so slower) ===`);
    const cliSummary = summarizeWindows(cliProfiles, whole);
    const daemonSummary = summarizeWindows(daemonMain, windows[step]);
    const workerSummary = summarizeWindows(daemonWorkers, windows[step]);
    say(`per run: CLI main thread ${per(cliSummary.busyMs)} ms; berthd main thread ${per(daemonSummary.busyMs)} ms, its worker threads (netlink, DNS) ${per(workerSummary.busyMs)} ms (sums over ${runs} runs below)`);
    say(formatWindowSummary(`CLI (${runs} runs)`, cliSummary));
    say(formatWindowSummary(`berthd main thread during the command (${runs} runs)`, daemonSummary));
    say(formatWindowSummary(`berthd worker threads during the command (${runs} runs)`, workerSummary));
  }

  // 3. The engine's steps, timed in this process (the same engine code berthd runs).
  engine = await Engine.open(tool.paths, { env: tool.env });
  const { project } = await loadProject({ cwd: dir, projectName: stack.project, env: tool.env });
  await engine.up(project);
  await engine.down(project, { stopTimeoutMs: 0 });
  const recorder = recordEngineSteps(engine);
  const spans: Record<Step, { from: number; to: number }[]> = { up: [], noop: [], down: [] };
  try {
    for (let run = 0; run < runs; run++) {
      for (const step of STEPS) {
        const from = performance.now();
        const outcome = step === 'down' ? await engine.down(project, { stopTimeoutMs: 0 }) : await engine.up(project);
        if (!outcome.ok) throw new Error(`in-process ${step} failed: ${JSON.stringify(outcome.failures)}`);
        spans[step].push({ from, to: performance.now() });
      }
    }
  } finally {
    recorder.restore();
  }
  say('\n=== engine steps in-process (Engine.up/down without CLI or socket), sums over all runs ===');
  for (const step of STEPS) {
    const calls: StepCall[] = spans[step].flatMap((span) => recorder.calls.filter((c) => c.start >= span.from && c.start <= span.to));
    const wallMs = spans[step].reduce((sum, span) => sum + span.to - span.from, 0);
    const median = summarizeSamples(spans[step].map((span) => span.to - span.from)).median;
    say(formatStepStats(`${step} (median ${median} ms per run, ${runs} runs)`, wallMs, stepStats(calls, -Infinity, Infinity)));
  }
  await engine.close();
  engine = undefined;
  say(`\nload ${loadAverage()} at the end`);
} finally {
  if (engine) {
    const { project } = await loadProject({ cwd: tool.stackDir(stack), projectName: stack.project, env: tool.env }).catch(() => ({ project: undefined }));
    if (project) await engine.down(project, { stopTimeoutMs: 0 }).catch(() => undefined);
    await engine.close().catch(() => undefined);
  }
  await tool.close();
}
writeFileSync(path.join(out, 'summary.txt'), `${report.join('\n')}\n`);
const kept = new URL(`./results/profile-sleep${n}-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`, import.meta.url).pathname;
writeFileSync(kept, `${report.join('\n')}\n`);
console.log(`\nprofiles in ${out}; summary in ${kept}`);
