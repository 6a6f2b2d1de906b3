import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startThroughExecFifo } from '../../../src/runtime/exec-fifo-start.js';
import { assertNothingLeft, runtimeFixture } from './runtime-fixture.js';

test('a created container starts through its exec FIFO as runc start would; runc then reports it running', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.create({ init: true, command: ['sleep', '300'] });
  const created = await f.runtime.inspect(id);
  t.is(created?.state, 'created');
  t.is(await startThroughExecFifo(f.runtime.runc.root, id, created?.pid ?? 0), 'started');
  t.is((await f.runtime.runc.state(id))?.status, 'running');
  // No FIFO any more: runc has to be asked (and says it is running).
  t.is(await startThroughExecFifo(f.runtime.runc.root, id, created?.pid ?? 0), 'not-created');
  await f.runtime.delete(id, { force: true });
  await assertNothingLeft(t, f.runtime, id);
});

test('an init killed before the start is reported, not waited for; an init that already exec’d counts as started', async (t) => {
  const f = await runtimeFixture(t);
  const killed = await f.create({ command: ['sleep', '300'] });
  const pid = (await f.runtime.inspect(killed))?.pid ?? 0;
  process.kill(pid, 'SIGKILL');
  t.is(await startThroughExecFifo(f.runtime.runc.root, killed, pid), 'init-gone');
  await f.runtime.delete(killed, { force: true });

  // Started, and its FIFO still there (as after an engine killed between the read and the unlink).
  const started = await f.create({ init: true, command: ['sleep', '300'] });
  const startedPid = (await f.runtime.inspect(started))?.pid ?? 0;
  await f.runtime.runc.start(started);
  const fifo = path.join(f.runtime.runc.root, started, 'exec.fifo');
  execFileSync('mkfifo', [fifo]);
  t.is(await startThroughExecFifo(f.runtime.runc.root, started, startedPid), 'started');
  t.false(existsSync(fifo));
  await f.runtime.delete(started, { force: true });
  await assertNothingLeft(t, f.runtime, started);
});

test('start, stop and start again: the second start (a new runc create) goes through the FIFO too', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ init: true, command: ['sh', '-c', 'echo ran; sleep 300'] });
  t.is((await f.runtime.inspect(id))?.state, 'running');
  await f.runtime.stop(id, { timeoutMs: 2000 });
  await f.runtime.start(id);
  t.is((await f.runtime.inspect(id))?.state, 'running');
  t.is((await f.runtime.runc.state(id))?.status, 'running');
});
