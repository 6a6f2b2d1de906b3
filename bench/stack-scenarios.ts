// Scenarios "sleep", "web", "chain", "chain-fast": cold up, no-op re-up and down of a stack, berth (and docker-compose) in turns.
import type { BerthTool } from './berth-tool.js';
import { loadAverage } from './process-timing.js';
import { type StackKind, type StackSizes, type StackSpec, stackSpec } from './stack-projects.js';
import type { StackTool } from './stack-tool.js';
import { type BenchResult, summarize } from './stats.js';

export interface StackBenchOptions {
  /** Measured cycles per tool (each: cold up, no-op up, down). */
  runs: number;
  /** A discarded first cycle per tool (JIT, page cache, the engine opening in berthd). */
  warmUp: boolean;
  sizes: StackSizes;
  /** First third octet of the subnets (see stackSubnet). */
  subnetBase: number;
  berth: BerthTool;
  /** docker-compose, for `--vs docker`. */
  docker?: StackTool | undefined;
  /** Also time berth's cold up with berthd not running (it starts it), this many times. */
  coldDaemonRuns?: number;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

interface CycleSamples {
  up: number[];
  noop: number[];
  down: number[];
}

/** One stack kind: alternating cycles of berth and docker so drift on the shared machine hits both alike. */
export async function benchStack(kind: StackKind, options: StackBenchOptions): Promise<BenchResult[]> {
  const stack = stackSpec(kind, options.sizes, options.subnetBase);
  const log = options.log ?? (() => undefined);
  const tools: StackTool[] = options.docker ? [options.berth, options.docker] : [options.berth];
  const samples = new Map<StackTool, CycleSamples>(tools.map((tool) => [tool, { up: [], noop: [], down: [] }]));
  const loadStart = loadAverage();
  const coldDaemon: number[] = [];
  try {
    if (options.warmUp) for (const tool of tools) await cycle(tool, stack);
    for (let run = 0; run < options.runs; run++) {
      const order = run % 2 === 0 ? tools : [...tools].reverse();
      for (const tool of order) {
        const measured = await cycle(tool, stack, run === options.runs - 1);
        const into = samples.get(tool);
        into?.up.push(measured.up);
        into?.noop.push(measured.noop);
        into?.down.push(measured.down);
        log(`${stack.project} ${tool.name} run ${run + 1}: up ${ms(measured.up)}, no-op ${ms(measured.noop)}, down ${ms(measured.down)}`);
      }
    }
    for (let run = 0; run < (options.coldDaemonRuns ?? 0); run++) {
      await options.berth.stopDaemon();
      const up = await options.berth.up(stack, 'cold');
      coldDaemon.push(up);
      await options.berth.currentDaemonPid();
      await options.berth.down(stack);
      log(`${stack.project} berth, berthd not running: up ${ms(up)}`);
    }
  } catch (error) {
    // Whatever failed, no stack stays up.
    for (const tool of tools) await tool.down(stack).catch(() => undefined);
    throw error;
  }
  const loadEnd = loadAverage();
  const berth = samples.get(options.berth) ?? { up: [], noop: [], down: [] };
  const docker = options.docker ? samples.get(options.docker) : undefined;
  const label = `${kind} ${stack.n}`;
  const upVerb = stack.waitHealthy ? 'cold up --wait' : 'cold up -d';
  const dockerNote = stack.waitHealthy && docker ? 'docker: up -d, then until the last link is healthy (API asked every 20 ms)' : undefined;
  const results = [
    summarize(`${label}: ${upVerb}`, 'ms', berth.up, { target: stack.targets.up, docker: docker?.up, note: dockerNote }),
    summarize(`${label}: no-op up -d`, 'ms', berth.noop, { target: stack.targets.noop, docker: docker?.noop }),
    summarize(`${label}: down -t 0`, 'ms', berth.down, { target: stack.targets.down, docker: docker?.down }),
  ];
  if (coldDaemon.length > 0) {
    results.push(summarize(`${label}: ${upVerb}, berthd not running`, 'ms', coldDaemon, { note: 'the CLI starts berthd, which opens the engine' }));
  }
  for (const result of results) result.load = { start: loadStart, end: loadEnd };
  return results;
}

/** Cold up, no-op up, down; with `check`, first make sure the stack did its work (not timed). */
async function cycle(tool: StackTool, stack: StackSpec, check = false): Promise<{ up: number; noop: number; down: number }> {
  const up = await tool.up(stack, 'cold');
  const noop = await tool.up(stack, 'noop');
  if (check) await checkStack(tool, stack);
  const down = await tool.down(stack);
  return { up, noop, down };
}

/** web: every client resolved the server by name and fetched its page (they print `fetched`). */
async function checkStack(tool: StackTool, stack: StackSpec): Promise<void> {
  if (stack.kind !== 'web') return;
  const clients = Array.from({ length: stack.n }, (_, i) => `c${i}`);
  const deadline = performance.now() + 20_000;
  for (const client of clients) {
    while (!(await tool.logs(stack, client)).includes('fetched')) {
      if (performance.now() > deadline) throw new Error(`${tool.name}: ${stack.project} client ${client} never fetched the page`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
