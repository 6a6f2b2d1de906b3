// The printed table: one row per figure, docker's median and the ratio when `--vs docker` measured them.
import type { BenchResult } from './stats.js';

export function formatTable(results: readonly BenchResult[]): string {
  const withDocker = results.some((r) => r.docker !== undefined);
  const header = ['scenario', 'median', 'p90', 'min', 'max', 'n', 'target', 'ok', ...(withDocker ? ['docker median', 'berth/docker'] : [])];
  const rows = results.map((r) => [
    r.scenario,
    `${r.median} ${r.unit}`,
    `${r.p90} ${r.unit}`,
    `${r.min} ${r.unit}`,
    `${r.max} ${r.unit}`,
    String(r.samples),
    r.target === undefined ? '' : `≤ ${r.target} ${r.unit}`,
    r.meetsTarget === undefined ? '' : r.meetsTarget ? 'yes' : 'NO',
    ...(withDocker ? [r.docker ? `${r.docker.median} ${r.unit}` : '', r.ratio === undefined ? '' : `${r.ratio}`] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
