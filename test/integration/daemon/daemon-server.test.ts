import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { type DaemonClient, connectDaemon } from '../../../src/daemon/daemon-client.js';
import { type DaemonHandler, type DaemonServer, startDaemonServer } from '../../../src/daemon/daemon-server.js';
import { SystemError, UserError } from '../../../src/errors.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

interface Started {
  server: DaemonServer;
  socketPath: string;
  connect(): Promise<DaemonClient>;
}

/** An in-process server with test handlers on a socket under the test's own run root. */
async function serve(t: ExecutionContext, handlers: Record<string, DaemonHandler>, maxLineBytes?: number): Promise<Started> {
  const paths = await tempStatePaths(t, 'berthd');
  const socketPath = path.join(paths.run, 'berthd', 'berthd.sock');
  const server = await startDaemonServer({ socketPath, handlers, ...(maxLineBytes ? { maxLineBytes } : {}) });
  t.teardown(() => server.close());
  return {
    server,
    socketPath,
    connect: async () => {
      const client = await connectDaemon(socketPath);
      t.teardown(() => client.close());
      return client;
    },
  };
}

/** A promise and the function that resolves it. */
function signalled<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

function untilAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

test('streamed events arrive in order, all before the result', async (t) => {
  const { connect } = await serve(t, {
    count: async (params, { emit }) => {
      const { to } = params as { to: number };
      for (let n = 1; n <= to; n++) {
        emit({ n });
        if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      return { total: to };
    },
  });
  const client = await connect();
  const seen: unknown[] = [];
  const result = await client.call<{ total: number }>('count', { to: 1000 }, { onEvent: (event) => seen.push(event) });
  seen.push('result');
  t.deepEqual(result, { total: 1000 });
  t.deepEqual(seen, [...Array.from({ length: 1000 }, (_, index) => ({ n: index + 1 })), 'result']);
});

test('a handler that awaits drained() between events waits for a slow reader instead of buffering', async (t) => {
  let emitted = 0;
  const { socketPath } = await serve(t, {
    stream: async (_params, { emit, drained }) => {
      for (; emitted < 20_000; emitted++) {
        emit({ line: 'z'.repeat(1000) });
        await drained();
      }
      return 'done';
    },
  });
  const socket = createConnection(socketPath);
  t.teardown(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  socket.write('{"id":1,"method":"stream"}\n');
  await sleep(300);
  // The kernel's socket buffer and Node's write buffer hold a few hundred lines; 20 MB would not fit.
  t.true(emitted > 0 && emitted < 2_000, `emitted ${emitted} events while nobody read`);
  let received = '';
  const done = new Promise<void>((resolve) =>
    socket.on('data', (chunk: Buffer) => {
      received = (received + chunk.toString()).slice(-200);
      if (received.includes('"result":"done"')) resolve();
    }),
  );
  socket.resume();
  await done;
  t.is(emitted, 20_000);
});

test('several calls run at once on one connection, and replies find their own call', async (t) => {
  const gate = signalled();
  const { connect } = await serve(t, {
    wait: async () => {
      await gate.promise;
      return 'waited';
    },
    open: async () => {
      gate.resolve();
      return 'opened';
    },
    nothing: async () => undefined,
  });
  const client = await connect();
  const waiting = client.call('wait');
  // `wait` can only finish because `open` runs while it is still in flight.
  t.is(await client.call('open'), 'opened');
  t.is(await waiting, 'waited');
  t.is(await client.call('nothing'), null);
});

test('cancel aborts the handler, and the call rejects with the caller signal reason', async (t) => {
  const started = signalled();
  const handlerSaw = signalled<unknown>();
  const { connect } = await serve(t, {
    slow: async (_params, { emit, signal }) => {
      emit('started');
      handlerSaw.resolve(await untilAborted(signal));
      throw signal.reason;
    },
  });
  const client = await connect();
  const controller = new AbortController();
  const call = client.call('slow', undefined, { signal: controller.signal, onEvent: () => started.resolve() });
  await started.promise;
  controller.abort(new Error('user pressed Ctrl-C'));
  await t.throwsAsync(call, { message: 'user pressed Ctrl-C' });
  const reason = await handlerSaw.promise;
  t.true(reason instanceof DOMException && reason.name === 'AbortError');
  // The connection stays usable for other calls; an already aborted signal never reaches the daemon.
  await t.throwsAsync(client.call('slow', undefined, { signal: AbortSignal.abort(new Error('early')) }), { message: 'early' });
});

test('a client that disconnects aborts its calls in flight and resolves clientClosed', async (t) => {
  const started = signalled();
  const aborted = signalled<unknown>();
  const clientGone = signalled();
  const { server, connect } = await serve(t, {
    hold: async (_params, { signal, clientClosed }) => {
      void clientClosed.then(() => clientGone.resolve());
      started.resolve();
      aborted.resolve(await untilAborted(signal));
      return 'too late';
    },
  });
  const client = await connect();
  const call = client.call('hold');
  await started.promise;
  t.is(server.connections, 1);
  await client.close();
  await t.throwsAsync(call, { instanceOf: SystemError, message: /closed by the client/ });
  t.is(((await aborted.promise) as DOMException).message, 'the client disconnected');
  await clientGone.promise;
  t.is(server.connections, 0);
});

test('errors thrown by handlers come back as the same classes; an unknown method is a user error with a hint', async (t) => {
  const { connect } = await serve(t, {
    wrong: async () => {
      throw new UserError('expected a service name, found "web!"', { keyPath: 'services', hint: 'use [a-z0-9]' });
    },
    broken: async () => {
      throw new SystemError('permission denied', 'mount overlay', 'EPERM');
    },
  });
  const client = await connect();
  const user = await t.throwsAsync(client.call('wrong'), { instanceOf: UserError });
  t.is(user.describe(), 'services: expected a service name, found "web!" — use [a-z0-9]');
  const system = await t.throwsAsync(client.call('broken'), { instanceOf: SystemError });
  t.is(system.describe(), 'mount overlay: permission denied (EPERM)');
  const unknown = await t.throwsAsync(client.call('constructor'), { instanceOf: UserError });
  t.regex(unknown.message, /berthd has no method "constructor"/);
  t.regex(unknown.hint ?? '', /berth daemon stop/);
});

test('a result too large for one line, or not JSON at all, becomes an error reply, and the connection carries on', async (t) => {
  const { connect } = await serve(t, {
    huge: async () => 'x'.repeat(17 * 1024 * 1024),
    cyclic: async () => {
      const value: Record<string, unknown> = {};
      value['self'] = value;
      return value;
    },
    small: async () => 'fine',
  });
  const client = await connect();
  await t.throwsAsync(client.call('huge'), { message: /longer than 16777216 bytes/ });
  await t.throwsAsync(client.call('cyclic'), { name: 'TypeError', message: /circular/ });
  t.is(await client.call('small'), 'fine');
});

test('a request line over the bound gets an error reply, the connection is closed and its calls aborted', async (t) => {
  const aborted = signalled<unknown>();
  const { socketPath } = await serve(
    t,
    {
      hold: async (_params, { signal }) => {
        aborted.resolve(await untilAborted(signal));
        return null;
      },
    },
    256,
  );
  const socket = createConnection(socketPath);
  t.teardown(() => socket.destroy());
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('{"id":1,"method":"hold"}\n');
  socket.write(`{"id":2,"method":"hold","params":"${'y'.repeat(300)}"}\n`);
  await closed;
  t.true(((await aborted.promise) as DOMException).message.includes('broke the protocol'));
  const replies = received.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  // The error first (it is sent at once), then the aborted call's own last reply.
  t.deepEqual(replies, [
    { id: null, error: { kind: 'internal', name: 'ProtocolError', message: 'a message is longer than 256 bytes' } },
    { id: 1, result: null },
  ]);
});

test('a line that is not a message gets an error reply and the connection is closed', async (t) => {
  const { socketPath } = await serve(t, { ping: async () => 'pong' });
  const socket = createConnection(socketPath);
  t.teardown(() => socket.destroy());
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('{"id":1,"method":"ping"}\nhello\n{"id":2,"method":"ping"}\n');
  await closed;
  const replies = received.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  // The call before the bad line still gets its reply; the one after it is never read.
  t.deepEqual(
    replies.sort((a, b) => String(a['id']).localeCompare(String(b['id']))),
    [{ id: 1, result: 'pong' }, { id: null, error: { kind: 'internal', name: 'ProtocolError', message: 'a message is not JSON: hello' } }],
  );
});

test('the socket directory is 0700 and the socket 0600, both owned by root, and a non-root user is refused', async (t) => {
  const { socketPath } = await serve(t, { ping: async () => 'pong' });
  const dir = path.dirname(socketPath);
  t.is(lstatSync(dir).mode & 0o777, 0o700);
  t.is(lstatSync(socketPath).mode & 0o777, 0o600);
  t.is(lstatSync(dir).uid, 0);
  t.is(lstatSync(socketPath).uid, 0);

  // Open the test's own roots to everyone, so that only berthd's directory and socket stand in the way.
  const run = path.dirname(dir);
  chmodSync(path.dirname(run), 0o755);
  chmodSync(run, 0o755);
  const asNobody = (): { listed: string; connect: string } => {
    const script = `
      const [run, socket] = process.argv.slice(1);
      let listed = 'ok';
      try { require('fs').readdirSync(run); } catch (error) { listed = error.code; }
      const connection = require('net').createConnection(socket);
      connection.on('connect', () => { console.log(JSON.stringify({ listed, connect: 'ok' })); connection.destroy(); });
      connection.on('error', (error) => console.log(JSON.stringify({ listed, connect: error.code })));`;
    const out = execFileSync(process.execPath, ['-e', script, run, socketPath], { uid: 65534, gid: 65534, env: {}, encoding: 'utf8', timeout: 10_000 });
    return JSON.parse(out) as { listed: string; connect: string };
  };
  t.deepEqual(asNobody(), { listed: 'ok', connect: 'EACCES' });
  // The socket's own mode refuses too, should the directory ever be opened.
  chmodSync(dir, 0o755);
  t.deepEqual(asNobody(), { listed: 'ok', connect: 'EACCES' });
  chmodSync(dir, 0o700);
});

test('a stale socket left by a killed server is taken over; a live one and a non-socket file are not', async (t) => {
  const paths = await tempStatePaths(t, 'berthd');
  const socketPath = path.join(paths.run, 'berthd', 'berthd.sock');
  const handlers = { ping: async () => 'pong' };
  // A server killed by SIGKILL leaves its socket file behind, with nobody listening.
  const dead = await startDaemonServer({ socketPath: path.join(paths.run, 'berthd', 'unused.sock'), handlers });
  await dead.close();
  const killed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => killed.on('exit', resolve));
  t.true(lstatSync(socketPath).isSocket());

  const server = await startDaemonServer({ socketPath, handlers });
  t.teardown(() => server.close());
  const client = await connectDaemon(socketPath);
  t.teardown(() => client.close());
  t.is(await client.call('ping'), 'pong');

  await t.throwsAsync(startDaemonServer({ socketPath, handlers }), { instanceOf: SystemError, message: /another berthd already answers/ });
  t.is(await client.call('ping'), 'pong');

  const notSocket = path.join(paths.run, 'berthd', 'plain.sock');
  writeFileSync(notSocket, 'data');
  await t.throwsAsync(startDaemonServer({ socketPath: notSocket, handlers }), { instanceOf: SystemError, message: /is not a socket/ });
  t.true(existsSync(notSocket));
});

test('close() aborts calls in flight, lets them reply, and removes the socket', async (t) => {
  const started = signalled();
  const { server, socketPath, connect } = await serve(t, {
    hold: async (_params, { signal }) => {
      started.resolve();
      const reason = (await untilAborted(signal)) as DOMException;
      return `stopped: ${reason.message}`;
    },
  });
  const client = await connect();
  const call = client.call('hold');
  await started.promise;
  await server.close();
  t.is(await call, 'stopped: berthd is shutting down');
  t.false(existsSync(socketPath));
  await client.closed;
  await t.throwsAsync(client.call('hold'), { instanceOf: SystemError });
});
