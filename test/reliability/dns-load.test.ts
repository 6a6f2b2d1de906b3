// Load on the embedded DNS: N containers on one network, all resolving each other by name at the same
// time (busybox nslookup inside each), then a timed burst of every name from inside one container's
// network namespace for the latency figures. Short: 40 containers; full: 200.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { ContainerRuntime } from '../../src/runtime/container-runtime.js';
import { cliFixture } from '../helpers/cli-fixture.js';
import { assertNothingLeft } from './leftovers.js';
import { FULL } from './mode.js';

const execFileAsync = promisify(execFile);
const PEERS = FULL ? 200 : 40;
/** Names each container looks up in the all-at-once round. */
const LOOKUPS = 10;
const GATEWAY = '10.240.178.1';

const COMPOSE = `name: rs-dns
services:
  peer:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    deploy:
      replicas: ${PEERS}
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.178.0/24 }]
`;

/** Sends one A query per name from the current network namespace, a few at a time; prints JSON figures. */
const PROBE = `
import dgram from 'node:dgram';
const [server, ...names] = process.argv.slice(2);
const socket = dgram.createSocket('udp4');
const pending = new Map();
let id = 0;
const latencies = [];
let answered = 0, failed = 0;
socket.on('message', (msg) => {
  const entry = pending.get(msg.readUInt16BE(0));
  if (!entry) return;
  pending.delete(msg.readUInt16BE(0));
  clearTimeout(entry.timer);
  const rcode = msg[3] & 0x0f, answers = msg.readUInt16BE(6);
  if (rcode === 0 && answers > 0) { answered++; latencies.push(Number(process.hrtime.bigint() - entry.sent) / 1e6); } else failed++;
  entry.done();
});
function query(name) {
  return new Promise((done) => {
    const qid = ++id & 0xffff;
    const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
    const packet = Buffer.concat([Buffer.from([qid >> 8, qid & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
    const timer = setTimeout(() => { pending.delete(qid); failed++; done(); }, 2000);
    pending.set(qid, { sent: process.hrtime.bigint(), timer, done });
    socket.send(packet, 53, server);
  });
}
const queue = [];
for (let round = 0; round < 5; round++) queue.push(...names);
const workers = Array.from({ length: 16 }, async () => { while (queue.length) await query(queue.shift()); });
await Promise.all(workers);
socket.close();
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
console.log(JSON.stringify({ queries: answered + failed, answered, failed, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? 0 }));
`;

test(`DNS load: ${PEERS} containers on one network resolve each other at once; every query is answered`, async (t) => {
  t.timeout(FULL ? 900_000 : 300_000);
  const { paths, dir, run } = await cliFixture(t, COMPOSE, 'rs-dns');
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const up = await run('up', '-d');
  t.is(up.code, 0, up.stderr);
  const names = Array.from({ length: PEERS }, (_, i) => `rs-dns-peer-${i + 1}`);

  // All at once: each container looks up LOOKUPS others (spread over the whole set) with busybox nslookup.
  const started = Date.now();
  // The execs are in-process CLI calls, each reading every container's record: 200 at once would run
  // this one test process out of file descriptors (EMFILE), which 200 separate `berth exec`s would not.
  // At most EXECS_AT_ONCE run together; their lookups still overlap.
  const EXECS_AT_ONCE = 50;
  const pending = names.map((_, i) => i);
  const rounds: { code: number; stderr: string; failures: string[] }[] = [];
  await Promise.all(
    Array.from({ length: EXECS_AT_ONCE }, async () => {
      for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
        const targets = Array.from({ length: LOOKUPS }, (__, k) => names[(i * 7 + k * 13 + 1) % PEERS] ?? 'peer');
        const script = `for n in ${targets.join(' ')} peer; do nslookup $n >/dev/null 2>&1 || echo "FAIL $n"; done`;
        const result = await run('exec', '-T', '--index', String(i + 1), 'peer', 'sh', '-c', script);
        rounds.push({ code: result.code, stderr: result.stderr, failures: result.stdout.split('\n').filter((line) => line.startsWith('FAIL')) });
      }
    }),
  );
  const failures = rounds.flatMap((round) => round.failures);
  t.log(`${PEERS} containers × ${LOOKUPS + 1} nslookups (${EXECS_AT_ONCE} containers at a time): ${failures.length} failed, ${Date.now() - started} ms`);
  t.deepEqual(failures, []);
  const execFailures = rounds.filter((round) => round.code !== 0).map((round) => `${round.code}: ${round.stderr.trim()}`);
  t.deepEqual(execFailures, [], 'every exec ran');

  // Latency: every name 5 times, 16 in flight, from inside the first container's network namespace.
  const first = (await runtime.list()).find((status) => status.record.name === 'rs-dns-peer-1');
  t.truthy(first?.pid);
  const probe = path.join(dir, 'dns-probe.mjs');
  await writeFile(probe, PROBE);
  const { stdout } = await execFileAsync('nsenter', [`--net=/proc/${first?.pid}/ns/net`, process.execPath, probe, GATEWAY, ...names], { timeout: 120_000 });
  const figures = JSON.parse(stdout) as { queries: number; answered: number; failed: number; p50: number; p99: number; max: number };
  t.log(`burst: ${figures.queries} queries, ${figures.answered} answered, p50 ${figures.p50.toFixed(2)} ms, p99 ${figures.p99.toFixed(2)} ms, max ${figures.max.toFixed(2)} ms`);
  t.is(figures.failed, 0);
  t.is(figures.answered, PEERS * 5);

  t.is((await run('down', '-t', '0')).code, 0);
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.178.'], projects: ['rs-dns'] });
});
