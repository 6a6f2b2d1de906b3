// `node --import tsx bench/profile-chain.ts`: where a health-gated chain's time goes, link by link, from berth's own progress events.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BERTH_BIN, BerthTool } from './berth-tool.js';
import { loadAverage } from './process-timing.js';
import { firstTimes, progressTimeline } from './progress-timeline.js';
import { FULL_SIZES, type StackKind, stackSpec } from './stack-projects.js';
import { summarizeSamples } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'subnet-base': { type: 'string', default: '120' },
  },
});
const runs = Number(flags.runs);
const report: string[] = [];
const say = (text: string): void => {
  report.push(text);
  console.log(text);
};
const print = (label: string, samples: number[]): void => {
  const s = summarizeSamples(samples);
  say(`    ${label.padEnd(46)} median ${String(s.median).padStart(7)} ms  (${s.min}–${s.max}, n=${s.samples})`);
};

say(`chain profile, ${runs} runs per chain; load ${loadAverage()} at the start`);
const tool = await BerthTool.open();
try {
  await tool.startDaemon();
  for (const kind of ['chain', 'chain-fast'] as StackKind[]) {
    const stack = stackSpec(kind, FULL_SIZES, Number(flags['subnet-base']));
    const dir = tool.stackDir(stack);
    // Warm-up (the engine opens, the page cache fills).
    await tool.up(stack, 'cold');
    await tool.down(stack);
    const firstEvent: number[] = [];
    const firstStart: number[] = [];
    const startLatency: number[] = [];
    const probeLatency: number[] = [];
    const lastHealthyToExit: number[] = [];
    const total: number[] = [];
    for (let run = 0; run < runs; run++) {
      const timeline = await progressTimeline(BERTH_BIN, ['-p', stack.project, 'up', '-d', '--wait'], { cwd: dir, env: tool.env });
      await tool.down(stack);
      const id = (i: number): string => `Container ${stack.project}-c${i}-1`;
      const started = firstTimes(timeline, /^Started/);
      const healthy = firstTimes(timeline, /^Healthy/);
      firstEvent.push(timeline.events[0]?.at ?? Number.NaN);
      firstStart.push(started.get(id(0)) ?? Number.NaN);
      for (let i = 0; i < stack.n; i++) {
        const start = started.get(id(i)) ?? Number.NaN;
        if (i > 0) startLatency.push(start - (healthy.get(id(i - 1)) ?? Number.NaN));
        probeLatency.push((healthy.get(id(i)) ?? Number.NaN) - start);
      }
      lastHealthyToExit.push(timeline.exitAt - (healthy.get(id(stack.n - 1)) ?? Number.NaN));
      total.push(timeline.exitAt);
    }
    say(`\n${kind} ${stack.n} (${stack.description}):`);
    print('whole `up -d --wait`', total);
    print('spawn → first progress line (CLI start, load)', firstEvent);
    print('spawn → first link started (all created first)', firstStart);
    print('link healthy → next link started', startLatency);
    print('link started → healthy (interval + probe)', probeLatency);
    print('last link healthy → CLI exit', lastHealthyToExit);
  }
} finally {
  await tool.close();
}
say(`\nload ${loadAverage()} at the end`);
const kept = new URL(`./results/profile-chain-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`, import.meta.url).pathname;
writeFileSync(kept, `${report.join('\n')}\n`);
console.log(`summary in ${kept}`);
