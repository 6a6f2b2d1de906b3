// Scenario "dns": the embedded DNS in its worker thread under dnsperf over loopback, asked for service names.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDns } from '../src/network/dns/embedded-dns.js';
import type { BenchResult } from './stats.js';

export interface DnsBenchmarkOptions {
  /** Address the server binds (a loopback address: nothing leaves the machine). */
  address?: string;
  /** Source address of dnsperf, registered as a container on the network so answers are scoped as in real use. */
  clientAddress?: string;
  services?: number;
  replicas?: number;
  /** dnsperf -c */
  clients?: number;
  /** dnsperf -l, seconds of the throughput run. */
  seconds?: number;
  /** Seconds of a second run with per-query output (-v) for latency percentiles; 0 skips it. */
  percentileSeconds?: number;
  /** Run dnsperf through this prefix, e.g. `['ip', 'netns', 'exec', 'ns1']` to ask from inside a netns. */
  commandPrefix?: readonly string[];
}

export interface DnsperfResult {
  qps: number;
  sent: number;
  completed: number;
  lost: number;
  /** Milliseconds, from dnsperf's summary. */
  latency: { averageMs: number; minMs: number; maxMs: number; stddevMs: number };
  /** Milliseconds, from per-query output; present when measured. */
  percentiles?: { p50Ms: number; p90Ms: number; p99Ms: number; p999Ms: number; samples: number };
}

export interface DnsBenchmarkResult extends DnsperfResult {
  /** Milliseconds from `removeEndpoint` being called until the worker confirmed (the name is gone then). */
  removal: { p50Ms: number; p99Ms: number; samples: number };
  services: number;
  replicas: number;
  clients: number;
  seconds: number;
}

/** Start the embedded DNS, fill it with `services × replicas` endpoints, and measure it with dnsperf. */
export async function runDnsBenchmark(options: DnsBenchmarkOptions = {}): Promise<DnsBenchmarkResult> {
  const address = options.address ?? '127.55.0.1';
  const clientAddress = options.clientAddress ?? '127.55.0.2';
  const services = options.services ?? 20;
  const replicas = options.replicas ?? 3;
  const clients = options.clients ?? 4;
  const seconds = options.seconds ?? 10;
  const percentileSeconds = options.percentileSeconds ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-dns-'));
  // No upstreams: every query is a local name, and nothing may be forwarded off the machine.
  const dns = await EmbeddedDns.start({ upstreams: [] });
  try {
    const port = await dns.serveNetwork({ network: 'bench', address, port: 0 });
    await dns.addEndpoint({ network: 'bench', containerId: 'client', ip: clientAddress, names: ['bench-client-1', 'client'] });
    const names: string[] = [];
    for (let service = 0; service < services; service++) {
      names.push(`svc${service}`);
      for (let replica = 1; replica <= replicas; replica++) {
        const index = service * replicas + replica;
        await dns.addEndpoint({
          network: 'bench',
          containerId: `svc${service}-${replica}`,
          ip: `10.${100 + (index >> 16)}.${(index >> 8) & 0xff}.${index & 0xff}`,
          names: [`bench-svc${service}-${replica}`, `svc${service}`],
        });
      }
    }
    const queryFile = join(dir, 'queries.txt');
    await writeFile(queryFile, names.map((name) => `${name} A\n`).join(''));
    const args = ['-s', address, '-p', String(port), '-a', clientAddress, '-d', queryFile, '-c', String(clients)];
    const throughput = parseDnsperfSummary(await runCommand([...(options.commandPrefix ?? []), 'dnsperf', ...args, '-l', String(seconds)]));
    let percentiles: DnsperfResult['percentiles'];
    if (percentileSeconds > 0) {
      const verbose = await runCommand([...(options.commandPrefix ?? []), 'dnsperf', ...args, '-l', String(percentileSeconds), '-v']);
      percentiles = latencyPercentiles(verbose);
    }
    const removal = await measureRemoval(dns);
    return { ...throughput, ...(percentiles ? { percentiles } : {}), removal, services, replicas, clients, seconds };
  } finally {
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Add and remove a throwaway endpoint 200 times, timing each removal's round trip to the worker. */
async function measureRemoval(dns: EmbeddedDns): Promise<DnsBenchmarkResult['removal']> {
  const samples: number[] = [];
  for (let round = 0; round < 200; round++) {
    await dns.addEndpoint({ network: 'bench', containerId: 'transient', ip: '10.99.0.1', names: ['transient'] });
    const started = performance.now();
    await dns.removeEndpoint({ network: 'bench', containerId: 'transient' });
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50Ms: round(samples[100] ?? Number.NaN), p99Ms: round(samples[197] ?? Number.NaN), samples: samples.length };
}

/** The DNS result as rows for bench/run.ts's table: qps (higher is better) and latency percentiles. */
export async function benchDns(options: DnsBenchmarkOptions = {}): Promise<BenchResult[]> {
  const result = await runDnsBenchmark(options);
  const row = (scenario: string, unit: string, value: number): BenchResult => ({ scenario, unit, samples: 1, median: value, p90: value, min: value, max: value });
  const rows = [row(`dns: dnsperf -c ${result.clients} qps (${result.lost} lost)`, 'q/s', Math.round(result.qps)), row('dns: average latency', 'ms', round(result.latency.averageMs))];
  rows.push(row('dns: removeEndpoint round trip p50', 'ms', result.removal.p50Ms));
  if (result.percentiles) {
    rows.push(row('dns: p50 latency', 'ms', round(result.percentiles.p50Ms)), row('dns: p99 latency', 'ms', round(result.percentiles.p99Ms)));
  }
  return rows;
}

/** Read dnsperf's "Statistics" block. */
export function parseDnsperfSummary(output: string): DnsperfResult {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(output);
    if (!match?.[1]) throw new Error(`dnsperf output lacks ${pattern.source}:\n${output.slice(-2000)}`);
    return Number(match[1]);
  };
  const latency = /Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/.exec(output);
  return {
    qps: number(/Queries per second:\s+([\d.]+)/),
    sent: number(/Queries sent:\s+(\d+)/),
    completed: number(/Queries completed:\s+(\d+)/),
    lost: number(/Queries lost:\s+(\d+)/),
    latency: {
      averageMs: Number(latency?.[1] ?? Number.NaN) * 1000,
      minMs: Number(latency?.[2] ?? Number.NaN) * 1000,
      maxMs: Number(latency?.[3] ?? Number.NaN) * 1000,
      stddevMs: number(/Latency StdDev \(s\):\s+([\d.]+)/) * 1000,
    },
  };
}

/** Percentiles from dnsperf -v lines (`> NOERROR name A 0.000123`). */
export function latencyPercentiles(output: string): NonNullable<DnsperfResult['percentiles']> {
  const samples: number[] = [];
  for (const match of output.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)) samples.push(Number(match[1]) * 1000);
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return { p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), p999Ms: at(0.999), samples: samples.length };
}

function runCommand(command: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command;
    if (!file) return reject(new Error('empty command'));
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const output = Buffer.concat(chunks).toString();
      if (code === 0) resolve(output);
      else reject(new Error(`${command.join(' ')} exited ${code}:\n${output.slice(-2000)}`));
    });
  });
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
