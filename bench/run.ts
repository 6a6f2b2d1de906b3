// `npm run bench`: run every scenario, print a table, write JSON with machine facts to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { benchConfigLoad } from './config-load.js';
import { benchDns } from './dns.js';
import { benchNetwork } from './network.js';
import type { BenchResult } from './stats.js';

const runs = Number(process.env.BENCH_RUNS ?? 20);
// `npm run bench -- dns network` runs only the named scenarios; no names runs them all.
const scenarios: Record<string, () => Promise<BenchResult[]>> = {
  config: () => benchConfigLoad(runs),
  dns: () => benchDns(),
  network: () => benchNetwork(runs),
};
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((name) => !(name in scenarios));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const results: BenchResult[] = [];
for (const [name, run] of Object.entries(scenarios)) {
  if (wanted.length === 0 || wanted.includes(name)) results.push(...(await run()));
}

const header = ['scenario', 'median', 'p90', 'min', 'max', 'target', 'ok'];
const rows = results.map((r) => [
  r.scenario,
  `${r.median} ${r.unit}`,
  `${r.p90} ${r.unit}`,
  `${r.min} ${r.unit}`,
  `${r.max} ${r.unit}`,
  r.target === undefined ? '' : `≤ ${r.target} ${r.unit}`,
  r.meetsTarget === undefined ? '' : r.meetsTarget ? 'yes' : 'NO',
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memory: totalmem(),
  kernel: release(),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(
  `./results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  import.meta.url,
);
writeFileSync(file, `${JSON.stringify({ machine, results }, null, 2)}\n`);
console.log(`\nwritten to ${file.pathname}`);
