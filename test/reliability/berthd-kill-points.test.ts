// berthd SIGKILLed at seeded random points of `up` and `down` of a health-gated stack with a volume
// and a published port: each time the next `up` converges, and at the end `down` leaves nothing and
// the image store is sound. BERTH_RELIABILITY=full runs 50 points; BERTH_RELIABILITY_SEED replays one run.
import test from 'ava';
import { daemonPaths, readPidFile } from '../../src/daemon/daemon-process.js';
import { ContainerRuntime } from '../../src/runtime/container-runtime.js';
import { cliFixture } from '../helpers/cli-fixture.js';
import { assertNothingLeft } from './leftovers.js';
import { FULL } from './mode.js';

const POINTS = FULL ? 50 : 4;
/** Points alternate between an `up` and a `down`. */
const PHASES: readonly ('up' | 'down')[] = ['up', 'down'];
const SEED = Number(process.env['BERTH_RELIABILITY_SEED'] ?? 20261124);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const COMPOSE = `name: rk-points
services:
  db:
    image: busybox
    init: true
    command: ["sh", "-c", "echo data > /data/ready; exec sleep 3600"]
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "test", "-f", "/data/ready"]
      interval: 1s
      start_period: 10s
      start_interval: 100ms
  web:
    image: busybox
    init: true
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    ports: ["127.0.0.1:18800:80"]
    depends_on:
      db: { condition: service_healthy }
${[1, 2, 3, 4].map((n) => `  worker${n}:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n    depends_on: [db]\n`).join('')}volumes:
  data: {}
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.173.0/24 }]
`;

test(`berthd killed at ${POINTS} seeded points of ${PHASES.join(' and ')}: the next up converges, and down leaves nothing`, async (t) => {
  t.timeout(FULL ? 3_600_000 : 170_000);
  const { paths, run } = await cliFixture(t, COMPOSE, 'rk-points');
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const next = random(SEED);
  t.log(`seed ${SEED} (BERTH_RELIABILITY_SEED=${SEED} replays it)`);

  const timed = async (...args: string[]): Promise<number> => {
    const started = Date.now();
    const result = await run(...args);
    t.is(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return Date.now() - started;
  };
  const converged = async (): Promise<void> => {
    const up = await run('up', '-d', '--wait', '--wait-timeout', '60');
    t.is(up.code, 0, up.stderr);
    const statuses = await runtime.list();
    t.is(statuses.length, 6, statuses.map((status) => status.record.name).join(', '));
    t.true(statuses.every((status) => status.state === 'running'), statuses.map((status) => `${status.record.name} ${status.state}`).join(', '));
  };
  // How long an undisturbed up and down take: the kill points are drawn within them.
  const upMs = await timed('up', '-d', '--wait');
  const downMs = await timed('down', '-t', '0');
  t.log(`undisturbed: up --wait ${upMs} ms, down ${downMs} ms`);

  for (let point = 0; point < POINTS; point += 1) {
    const phase = PHASES[point % PHASES.length] ?? 'up';
    if (phase === 'down') await converged();
    const delayMs = Math.round(next() * (phase === 'up' ? upMs : downMs));
    const command = phase === 'up' ? run('up', '-d', '--wait') : run('down', '-t', '0');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const pid = readPidFile(daemonPaths(paths).pidFile);
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    const interrupted = await command;
    t.log(`point ${point + 1}: ${phase} killed after ${delayMs} ms (exit ${interrupted.code}, ${(await runtime.list()).length} containers)`);
    await converged();
    if (phase === 'up') await timed('down', '-t', '0');
  }
  await timed('down', '-v', '-t', '0');
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.173.'], projects: ['rk-points'] });
  const check = await run('image', 'check');
  t.is(check.code, 0, check.stderr);
});
