// Soak: up/down cycles of a 10-service web stack (an httpd and 9 clients that resolve it by name and
// fetch its page) through the real CLI and berthd. After every cycle nothing of the stack is left,
// and berthd's memory and open files stay flat. Short: 50 cycles; full: 1,000, bounded by
// BERTH_SOAK_MINUTES (default 60).
import { readdir, readFile } from 'node:fs/promises';
import test from 'ava';
import { daemonPaths, readPidFile } from '../../src/daemon/daemon-process.js';
import { cliFixture } from '../helpers/cli-fixture.js';
import { leftoversOf } from './leftovers.js';
import { FULL } from './mode.js';

const CYCLES = Number(process.env['BERTH_SOAK_CYCLES'] ?? (FULL ? 1000 : 50));
const MINUTES = Number(process.env['BERTH_SOAK_MINUTES'] ?? 60);

const clients = Array.from({ length: 9 }, (_, i) => `  client${i + 1}:
    image: busybox
    init: true
    command: ["sh", "-c", "while true; do wget -q -O /tmp/page http://web:8080/ && break; sleep 0.1; done; exec sleep 3600"]
    depends_on:
      web: { condition: service_healthy }
`).join('');

const COMPOSE = `name: rs-soak
services:
  web:
    image: busybox
    init: true
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      start_period: 10s
      start_interval: 100ms
${clients}networks:
  default:
    ipam:
      config: [{ subnet: 10.240.177.0/24 }]
`;

async function daemonFigures(pid: number): Promise<{ rssKiB: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssKiB, fds: (await readdir(`/proc/${pid}/fd`)).length };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

test(`soak: up --wait / down of a 10-service web stack, ${CYCLES} cycles: nothing left after each, berthd's RSS and fds flat`, async (t) => {
  t.timeout(FULL ? (MINUTES + 5) * 60_000 : 600_000);
  const { paths, run } = await cliFixture(t, COMPOSE, 'rs-soak');
  const samples: { rssKiB: number; fds: number }[] = [];
  const upMs: number[] = [];
  const downMs: number[] = [];
  const deadline = Date.now() + MINUTES * 60_000;
  let cycles = 0;
  for (; cycles < CYCLES && Date.now() < deadline; cycles += 1) {
    let started = Date.now();
    const up = await run('up', '-d', '--wait', '--wait-timeout', '60');
    upMs.push(Date.now() - started);
    t.is(up.code, 0, `cycle ${cycles + 1}: ${up.stderr}`);
    if (up.code !== 0) break;
    started = Date.now();
    const down = await run('down', '-t', '0');
    downMs.push(Date.now() - started);
    t.is(down.code, 0, `cycle ${cycles + 1}: ${down.stderr}`);
    const left = await leftoversOf({ paths, subnetPrefixes: ['10.240.177.'], projects: ['rs-soak'] });
    if (left.length > 0) {
      t.deepEqual(left, [], `left after cycle ${cycles + 1}`);
      break;
    }
    const pid = readPidFile(daemonPaths(paths).pidFile);
    if (pid !== undefined) samples.push(await daemonFigures(pid));
    const last = samples.at(-1);
    if ((cycles + 1) % 10 === 0 && last) t.log(`cycle ${cycles + 1}: berthd RSS ${(last.rssKiB / 1024).toFixed(1)} MiB, ${last.fds} fds`);
  }
  t.log(`${cycles} cycles; up --wait median ${median(upMs)} ms, down median ${median(downMs)} ms`);
  // Flat, the robust way: medians of slices, not single samples. The heap grows for its first ~50
  // cycles here (131 → 150 MiB, V8 sizing its spaces) and then holds (150–153 MiB up to cycle 120).
  // So a long run compares the middle with the end (≤ 8 MiB: a leak of 100 kB a cycle shows over 100
  // cycles), and a short one only bounds the warm-up (≤ 32 MiB). An fd leaked per cycle shows at once.
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const slice = (from: number, to: number): { rssKiB: number; fds: number }[] => samples.slice(from, to);
  const late = samples.slice(-tenth);
  const early = samples.length >= 100 ? slice(5 * tenth, 6 * tenth) : slice(tenth, 2 * tenth);
  const rss = { early: median(early.map((s) => s.rssKiB)), late: median(late.map((s) => s.rssKiB)) };
  const fds = { early: median(slice(tenth, 2 * tenth).map((s) => s.fds)), late: median(late.map((s) => s.fds)) };
  t.log(`berthd RSS ${(rss.early / 1024).toFixed(1)} → ${(rss.late / 1024).toFixed(1)} MiB; open fds ${fds.early} → ${fds.late}`);
  t.true(samples.length >= 10, `${samples.length} samples`);
  t.true(fds.late - fds.early <= 4, `fds ${fds.early} → ${fds.late}`);
  const rssBoundKiB = (samples.length >= 100 ? 8 : 32) * 1024;
  t.true(rss.late - rss.early <= rssBoundKiB, `RSS ${rss.early} → ${rss.late} KiB`);
});
