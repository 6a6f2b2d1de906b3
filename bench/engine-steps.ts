// The engine's own step timings: an Engine in this process whose driver calls and child processes are timed as they run.
import childProcess from 'node:child_process';
import type { Engine } from '../src/engine/engine.js';

/** One timed call: what, when it began and ended (ms, performance.now). */
export interface StepCall {
  step: string;
  start: number;
  end: number;
}

export interface StepRecorder {
  readonly calls: StepCall[];
  /** Stop timing: the wrapped methods are put back. */
  restore(): void;
}

type Method = (...args: unknown[]) => unknown;

/** Replace `object[name]` with a version that records each call (sync or async) as `step`. */
function wrapMethod(calls: StepCall[], restores: (() => void)[], object: object, name: string, step: string): void {
  const original = Reflect.get(object, name) as unknown;
  if (typeof original !== 'function') throw new Error(`${step}: ${name} is not a method`);
  const method = original as Method;
  const own = Object.hasOwn(object, name);
  const timed = function (this: unknown, ...args: unknown[]): unknown {
    const start = performance.now();
    const done = (): void => void calls.push({ step, start, end: performance.now() });
    let result: unknown;
    try {
      result = method.apply(this, args);
    } catch (error) {
      done();
      throw error;
    }
    if (result instanceof Promise) return result.finally(done);
    done();
    return result;
  };
  // A native addon's functions are read-only (the overlay mount, say): those show in the CPU profile instead.
  if (!Reflect.set(object, name, timed)) throw new Error(`${step}: ${name} cannot be replaced`);
  restores.push(() => (own ? Reflect.set(object, name, method) : Reflect.deleteProperty(object, name)));
}

/**
 * Time the engine's driver calls (image lookup, sandbox, runtime create/start/stop/delete, DNS) and every
 * child process it spawns (conmon, runc, nft), by program name. The overlay mount is a synchronous call
 * into the native addon, whose functions cannot be replaced: it shows in berthd's CPU profile.
 */
export function recordEngineSteps(engine: Engine): StepRecorder {
  const calls: StepCall[] = [];
  const restores: (() => void)[] = [];
  const { drivers } = engine;
  const wrap = (object: object, names: string[], prefix: string): void => {
    for (const name of names) wrapMethod(calls, restores, object, name, `${prefix}.${name}`);
  };
  wrap(drivers.images, ['get', 'find'], 'images');
  wrap(drivers.networks, ['createNetwork', 'removeNetwork', 'findNetwork', 'createSandbox', 'removeSandbox'], 'network');
  wrap(drivers.runtime, ['create', 'start', 'stop', 'delete', 'inspect', 'list', 'launch'], 'runtime');
  wrap(drivers.runtime.runc, ['state', 'start', 'kill', 'delete'], 'runc');
  wrap(drivers.dns, ['serveNetwork', 'addEndpoint', 'removeEndpoint', 'stopServingNetwork'], 'dns');
  // Every spawn (execFile included) goes through ChildProcess.prototype.spawn; the process's life is the step.
  const prototype = childProcess.ChildProcess.prototype as unknown as { spawn: (options: { file?: string }) => unknown };
  const originalSpawn = prototype.spawn;
  prototype.spawn = function (this: childProcess.ChildProcess, options: { file?: string }): unknown {
    const start = performance.now();
    const program = (options.file ?? '?').split('/').pop() ?? '?';
    this.once('exit', () => calls.push({ step: `process ${program}`, start, end: performance.now() }));
    return originalSpawn.call(this, options);
  };
  restores.push(() => (prototype.spawn = originalSpawn));
  return {
    calls,
    restore: () => {
      for (const restore of restores.reverse()) restore();
    },
  };
}

export interface StepStats {
  step: string;
  count: number;
  /** Per call, ms. */
  median: number;
  p90: number;
  /** All calls together, ms (they overlap when parallel). */
  total: number;
}

/** Per step: how often, how long each call took, and the sum, for calls that began inside [from, to]. */
export function stepStats(calls: readonly StepCall[], from: number, to: number): StepStats[] {
  const byStep = new Map<string, number[]>();
  for (const call of calls) {
    if (call.start < from || call.start > to) continue;
    const list = byStep.get(call.step) ?? [];
    list.push(call.end - call.start);
    byStep.set(call.step, list);
  }
  const round = (value: number): number => Math.round(value * 10) / 10;
  return [...byStep]
    .map(([step, durations]) => {
      const sorted = durations.sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
      return { step, count: sorted.length, median: round(at(0.5)), p90: round(at(0.9)), total: round(sorted.reduce((sum, d) => sum + d, 0)) };
    })
    .sort((a, b) => b.total - a.total);
}

export function formatStepStats(title: string, wallMs: number, stats: readonly StepStats[]): string {
  const rows = stats.map((s) => `    ${s.step.padEnd(26)} ${String(s.count).padStart(4)} calls  median ${String(s.median).padStart(6)} ms  p90 ${String(s.p90).padStart(6)} ms  sum ${String(s.total).padStart(8)} ms`);
  return [`${title}: ${Math.round(wallMs)} ms wall`, ...rows].join('\n');
}
