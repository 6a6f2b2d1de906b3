// Read V8 .cpuprofile files (node --cpu-prof) and say where the CPU went in a time window: by area and by function.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock (the same as process.hrtime). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A sample: when (µs, monotonic), how long it stands for (µs), and its stack, leaf first. */
interface Sample {
  at: number;
  weight: number;
  stack: ProfileNode[];
}

export interface LoadedProfile {
  file: string;
  startTime: number;
  endTime: number;
  samples: Sample[];
}

export function loadCpuProfile(file: string): LoadedProfile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stacks = new Map<number, ProfileNode[]>();
  const stackOf = (id: number): ProfileNode[] => {
    let stack = stacks.get(id);
    if (!stack) {
      stack = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const node = byId.get(at);
        if (node) stack.push(node);
      }
      stacks.set(id, stack);
    }
    return stack;
  };
  const samples: Sample[] = [];
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const weight = profile.timeDeltas[i + 1] ?? 0;
    samples.push({ at, weight, stack: stackOf(profile.samples[i] ?? 0) });
  }
  return { file, startTime: profile.startTime, endTime: profile.endTime, samples };
}

/** Where a frame's code lives: `berth <area>/<file>`, an npm package, node's internals, or V8's pseudo-frames. */
export function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const ours = /\/(?:dist|src)\/(.+?)\.[jt]s$/.exec(url);
  if (ours) return `berth ${ours[1]}`;
  return url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(?:dist|src|node_modules)\//, '').replace(/^node:/, 'node:');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

export interface WindowSummary {
  /** Wall time of the windows, ms. */
  wallMs: number;
  /** CPU on the main thread (every sample except idle), ms. */
  busyMs: number;
  /** Self time by area, ms, largest first. */
  byArea: [string, number][];
  /** Self time by function, ms, largest first. */
  bySelf: [string, number][];
  /** Inclusive time (the function or anything it called) of berth's own functions, ms, largest first. */
  byInclusive: [string, number][];
}

/** Sum what `profiles` sampled inside `windows` (µs, monotonic). */
export function summarizeWindows(profiles: readonly LoadedProfile[], windows: readonly { from: number; to: number }[], top = 12): WindowSummary {
  const area = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number): void => void map.set(key, (map.get(key) ?? 0) + us);
  let busy = 0;
  for (const profile of profiles) {
    for (const sample of profile.samples) {
      if (!windows.some((w) => sample.at >= w.from && sample.at < w.to)) continue;
      const leaf = sample.stack[0];
      if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
      busy += sample.weight;
      add(area, areaOf(leaf), sample.weight);
      add(self, frameName(leaf), sample.weight);
      const seen = new Set<string>();
      for (const node of sample.stack) {
        if (!areaOf(node).startsWith('berth ')) continue;
        const name = frameName(node);
        if (seen.has(name)) continue;
        seen.add(name);
        add(inclusive, name, sample.weight);
      }
    }
  }
  const sorted = (map: Map<string, number>): [string, number][] =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, us]) => [key, Math.round(us / 100) / 10]);
  return {
    wallMs: Math.round(windows.reduce((sum, w) => sum + (w.to - w.from), 0) / 1000),
    busyMs: Math.round(busy / 1000),
    byArea: sorted(area),
    bySelf: sorted(self),
    byInclusive: sorted(inclusive),
  };
}

/** Text for the README and the console. */
export function formatWindowSummary(title: string, summary: WindowSummary): string {
  const list = (rows: [string, number][]): string => rows.map(([name, ms]) => `    ${String(ms).padStart(7)} ms  ${name}`).join('\n');
  return [
    `${title}: ${summary.wallMs} ms wall, ${summary.busyMs} ms on the main thread`,
    '  self time by area:',
    list(summary.byArea),
    '  self time by function:',
    list(summary.bySelf),
    '  inclusive time, berth functions:',
    list(summary.byInclusive),
  ].join('\n');
}
