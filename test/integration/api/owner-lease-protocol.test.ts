import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { holdOwnerLease } from '../../../src/api/owner-lease-client.js';
import { connectDaemon } from '../../../src/daemon/daemon-client.js';
import { type DaemonServer, startDaemonServer } from '../../../src/daemon/daemon-server.js';
import type { DownOptions } from '../../../src/engine/engine.js';
import { type LeaseEngine, leaseHandlers } from '../../../src/engine/owner-lease.js';
import type { Project } from '../../../src/spec/model.js';

// The lease's connection semantics over a real socket; the engine is a recorder (the real one is in owner-lease.test.ts).
interface Served {
  server: DaemonServer;
  socket: string;
  downs: { project: string; options: DownOptions }[];
  log: string[];
}

async function serve(t: ExecutionContext): Promise<Served> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-lease-proto-'));
  const socket = path.join(dir, 'run', 'berthd.sock');
  const downs: Served['downs'] = [];
  const log: string[] = [];
  const engine: LeaseEngine = {
    down: (project, options) => {
      downs.push({ project: project.name, options });
      return Promise.resolve({ ok: true, services: [], failures: [], errors: [] });
    },
  };
  const server = await startDaemonServer({ socketPath: socket, handlers: leaseHandlers(() => Promise.resolve(engine), { log: (line) => log.push(line) }), closeGraceMs: 500 });
  t.teardown(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { server, socket, downs, log };
}

const project = (name: string): Project => ({ name, services: { app: { image: 'busybox' } }, networks: {}, volumes: {}, secrets: {}, configs: {} }) as unknown as Project;

async function until(condition: () => boolean, limitMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error('condition not reached');
    await sleep(5);
  }
}

test('a held lease whose connection closes without release takes its project down with the lease options', async (t) => {
  const served = await serve(t);
  const client = await connectDaemon(served.socket);
  const events: unknown[] = [];
  void client.call('lease.hold', { leaseId: 'l-1', project: project('api-proto-a'), down: { stopTimeoutMs: 0 } }, { onEvent: (event) => events.push(event) }).catch(() => undefined);
  await until(() => events.length === 1);
  t.deepEqual(events, [{ held: 'l-1' }]);
  t.deepEqual(served.downs, []);
  await client.close();
  await until(() => served.downs.length === 1);
  t.deepEqual(served.downs, [{ project: 'api-proto-a', options: { volumes: true, stopTimeoutMs: 0 } }]);
  t.regex(served.log.join('\n'), /owner of project api-proto-a went away/);
});

test('a released lease ends its call and nothing is taken down when the owner then leaves', async (t) => {
  const served = await serve(t);
  const lease = await holdOwnerLease(served.socket, project('api-proto-b'), { volumes: false });
  await lease.release();
  await lease.release();
  await sleep(50);
  t.deepEqual(served.downs, []);
});

test('a lease cancelled by its owner, or ended by berthd shutting down, takes nothing down', async (t) => {
  const served = await serve(t);
  const client = await connectDaemon(served.socket);
  const cancel = new AbortController();
  let held = false;
  const cancelled = client.call('lease.hold', { leaseId: 'l-c', project: project('api-proto-c') }, { signal: cancel.signal, onEvent: () => (held = true) });
  await until(() => held);
  cancel.abort(new Error('the test cancelled'));
  await t.throwsAsync(cancelled, { message: 'the test cancelled' });

  const lease = await holdOwnerLease(served.socket, project('api-proto-d'), {});
  t.truthy(lease.leaseId);
  await served.server.close();
  await sleep(50);
  await client.close();
  t.deepEqual(served.downs, []);
});

test('lease.hold rejects a lease id held already and params without a project', async (t) => {
  const served = await serve(t);
  const client = await connectDaemon(served.socket);
  t.teardown(() => client.close());
  let held = false;
  void client.call('lease.hold', { leaseId: 'same', project: project('api-proto-e') }, { onEvent: () => (held = true) }).catch(() => undefined);
  await until(() => held);
  await t.throwsAsync(client.call('lease.hold', { leaseId: 'same', project: project('api-proto-e') }), { message: /lease same is already held/ });
  await t.throwsAsync(client.call('lease.hold', { leaseId: 'x' }), { message: /expects the project model/ });
  t.deepEqual(await client.call('lease.release', { leaseId: 'unknown' }), { released: false });
});
