// Scenario "memory": berthd's RSS idle, with the engine open and with N containers; what each container costs to supervise.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Engine } from '../src/engine/engine.js';
import { loadProject } from '../src/spec/load-project.js';
import type { BerthTool } from './berth-tool.js';
import type { DockerTool } from './docker-tool.js';
import { findProcesses, loadAverage, processMemory, totalMemory } from './process-timing.js';
import { type StackSizes, type StackSpec, sleepCompose, stackSubnet } from './stack-projects.js';
import { type BenchResult, summarize } from './stats.js';

export interface MemoryBenchOptions {
  runs: number;
  sizes: StackSizes;
  subnetBase: number;
  berth: BerthTool;
  docker?: DockerTool | undefined;
  log?: (line: string) => void;
}

interface MemorySamples {
  /** Daemon RSS just after it started, MiB (docker: dockerd + containerd). */
  idle: number[];
  /** Daemon RSS with the engine open and no containers, MiB (after a stack came and went). */
  empty: number[];
  /** Daemon RSS with N containers, MiB. */
  loaded: number[];
  /** (loaded − empty) / N, KiB. */
  daemonShare: number[];
  /** The per-container monitor (conmon; containerd-shim), KiB per container. */
  monitorRss: number[];
  monitorPss: number[];
  /** daemonShare + monitor PSS, KiB (docker's comparable figure). */
  total: number[];
}

const SETTLE_MS = 500;
const MiB = 1024;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** After a pause, the median of 10 readings 100 ms apart: one reading of a Node process's RSS moves with its GC. */
async function steadyKiB(read: () => number): Promise<number> {
  await pause(SETTLE_MS);
  const readings: number[] = [];
  for (let i = 0; i < 10; i++) {
    readings.push(read());
    await pause(100);
  }
  return readings.sort((a, b) => a - b)[5] ?? Number.NaN;
}

function memoryStack(sizes: StackSizes, subnetBase: number): StackSpec {
  const n = sizes.sleep;
  return {
    kind: 'sleep', project: 'bench-memory', n, containers: n, waitHealthy: false, lastService: `s${n - 1}`,
    compose: { berth: sleepCompose(n, stackSubnet(subnetBase, 4)), docker: sleepCompose(n, stackSubnet(subnetBase, 14)) },
    targets: {},
    description: `${n} sleep services held by the daemon`,
  };
}

function emptySamples(): MemorySamples {
  return { idle: [], empty: [], loaded: [], daemonShare: [], monitorRss: [], monitorPss: [], total: [] };
}

/** berthd restarted once per run, so "idle" is a fresh daemon each time. */
export async function benchSupervisionMemory(options: MemoryBenchOptions): Promise<BenchResult[]> {
  const stack = memoryStack(options.sizes, options.subnetBase);
  const log = options.log ?? (() => undefined);
  const berth = emptySamples();
  const docker = emptySamples();
  const loadStart = loadAverage();
  try {
    for (let run = 0; run < options.runs; run++) {
      await options.berth.stopDaemon();
      const pid = await options.berth.startDaemon();
      const daemonKiB = (): number => processMemory(pid)?.rssKiB ?? Number.NaN;
      berth.idle.push((await steadyKiB(daemonKiB)) / MiB);
      // The engine opens on the first call that needs it; a stack coming and going leaves what a used daemon keeps.
      await options.berth.up(stack, 'cold');
      await options.berth.down(stack);
      const empty = await steadyKiB(daemonKiB);
      await options.berth.up(stack, 'cold');
      const loaded = await steadyKiB(daemonKiB);
      const conmons = findProcesses((args) => (args[0] ?? '').endsWith('conmon') && args.some((arg) => arg.startsWith(options.berth.base)));
      const monitors = totalMemory(conmons);
      if (monitors.processes !== stack.containers) throw new Error(`found ${monitors.processes} conmon processes for ${stack.containers} containers`);
      await options.berth.down(stack);
      record(berth, empty, loaded, monitors, stack.containers);
      log(`memory berth run ${run + 1}: berthd idle ${mib(berth.idle.at(-1))}, empty ${mib(empty / MiB)}, ${stack.containers} containers ${mib(loaded / MiB)}; conmon PSS ${Math.round(monitors.pssKiB / stack.containers)} KiB each`);
      if (options.docker) await measureDocker(options.docker, stack, docker, log, run);
    }
  } catch (error) {
    // Whatever failed, no stack stays up.
    await options.berth.down(stack).catch(() => undefined);
    await options.docker?.down(stack).catch(() => undefined);
    throw error;
  }
  // The daemon share by RSS drowns in GC noise; the engine's heap after a forced GC does not.
  const heapShare: number[] = [];
  await options.berth.stopDaemon();
  try {
    heapShare.push(...(await engineHeapPerContainer(options.berth, stack, options.runs)));
    log(`memory berth engine heap per container (in-process, after GC): ${heapShare.map((kib) => Math.round(kib)).join(', ')} KiB`);
  } finally {
    await options.berth.startDaemon();
  }
  const load = { start: loadStart, end: loadAverage() };
  const n = stack.containers;
  const withDocker = (values: number[]): number[] | undefined => (options.docker ? values : undefined);
  const results = [
    summarize('berthd RSS, idle (just started)', 'MiB', berth.idle, { docker: withDocker(docker.idle), note: 'docker: dockerd + its containerd, started once for the whole bench' }),
    summarize('berthd RSS, engine open, 0 containers', 'MiB', berth.empty, { docker: withDocker(docker.empty) }),
    summarize(`berthd RSS, ${n} containers`, 'MiB', berth.loaded, { docker: withDocker(docker.loaded) }),
    summarize('supervision per container: daemon RSS share', 'KiB', berth.daemonShare, { docker: withDocker(docker.daemonShare), note: `(RSS with ${n} − RSS with 0) / ${n}; GC moves a Node RSS by several MiB, so this is noise for berthd` }),
    summarize('supervision per container: engine heap (in-process, after GC)', 'KiB', heapShare, { note: `(heap + external with ${n} − with 0) / ${n}, an Engine in the bench process, gc() forced` }),
    summarize('supervision per container: monitor RSS', 'KiB', berth.monitorRss, { docker: withDocker(docker.monitorRss), note: 'berth: conmon; docker: containerd-shim-runc-v2' }),
    summarize('supervision per container: monitor PSS', 'KiB', berth.monitorPss, { docker: withDocker(docker.monitorPss) }),
    summarize('supervision per container: engine heap + monitor PSS', 'KiB', berth.monitorPss.map((pss, i) => pss + (heapShare[i] ?? Number.NaN)), {
      docker: withDocker(docker.total),
      note: 'docker: daemon RSS share + containerd-shim PSS',
    }),
  ];
  for (const result of results) result.load = load;
  return results;
}

function record(into: MemorySamples, emptyKiB: number, loadedKiB: number, monitors: { rssKiB: number; pssKiB: number }, n: number): void {
  const share = (loadedKiB - emptyKiB) / n;
  into.empty.push(emptyKiB / MiB);
  into.loaded.push(loadedKiB / MiB);
  into.daemonShare.push(share);
  into.monitorRss.push(monitors.rssKiB / n);
  into.monitorPss.push(monitors.pssKiB / n);
  into.total.push(share + monitors.pssKiB / n);
}

/** The same figures for dockerd + containerd (not restarted per run: its idle figure is after the earlier runs). */
async function measureDocker(docker: DockerTool, stack: StackSpec, into: MemorySamples, log: (line: string) => void, run: number): Promise<void> {
  const daemons = (): number => {
    const containerd = docker.containerdPid();
    return totalMemory([docker.dockerdPid, ...(containerd === undefined ? [] : [containerd])]).rssKiB;
  };
  into.idle.push((await steadyKiB(daemons)) / MiB);
  await docker.up(stack, 'cold');
  await docker.down(stack);
  const empty = await steadyKiB(daemons);
  await docker.up(stack, 'cold');
  const loaded = await steadyKiB(daemons);
  const shims = totalMemory(docker.shimPids());
  if (shims.processes !== stack.containers) throw new Error(`found ${shims.processes} containerd-shim processes for ${stack.containers} containers`);
  await docker.down(stack);
  record(into, empty, loaded, shims, stack.containers);
  log(`memory docker run ${run + 1}: daemons ${mib(empty / MiB)} empty, ${mib(loaded / MiB)} with ${stack.containers}; shim PSS ${Math.round(shims.pssKiB / stack.containers)} KiB each`);
}

function mib(value: number | undefined): string {
  return `${(value ?? Number.NaN).toFixed(1)} MiB`;
}

/**
 * What the engine keeps per running container (records, loops, probes, DNS entries): an Engine in this
 * process with gc() exposed, its heap + external memory with 0 and with N containers, per container.
 */
async function engineHeapPerContainer(berth: BerthTool, stack: StackSpec, runs: number): Promise<number[]> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapKiB = async (): Promise<number> => {
    await pause(SETTLE_MS);
    gc();
    gc();
    const usage = process.memoryUsage();
    return (usage.heapUsed + usage.external) / 1024;
  };
  const dir = berth.stackDir(stack);
  const engine = await Engine.open(berth.paths, { env: berth.env });
  const { project } = await loadProject({ cwd: dir, projectName: stack.project, env: berth.env });
  const shares: number[] = [];
  try {
    // Warm-up: modules, JIT and the network's DNS server exist before the first reading.
    await engine.up(project);
    await engine.down(project, { stopTimeoutMs: 0 });
    for (let run = 0; run < runs; run++) {
      const empty = await heapKiB();
      const outcome = await engine.up(project);
      if (!outcome.ok) throw new Error(`in-process up failed: ${JSON.stringify(outcome.failures)}`);
      const loaded = await heapKiB();
      await engine.down(project, { stopTimeoutMs: 0 });
      shares.push((loaded - empty) / stack.containers);
    }
  } finally {
    await engine.down(project, { stopTimeoutMs: 0 }).catch(() => undefined);
    await engine.close();
  }
  return shares;
}
