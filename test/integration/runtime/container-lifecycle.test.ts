import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { assertNothingLeft, logText, runtimeFixture } from './runtime-fixture.js';

test('stop with init: SIGTERM reaches the process and Docker reports 143', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ init: true, command: ['sleep', '300'] });
  // A signal that reaches tini before it has set up its handlers is dropped (PID 1 of a namespace),
  // as it would be under Docker: give it a moment, as any real stop does.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = performance.now();
  const status = await f.runtime.stop(id, { timeoutMs: 10_000 });
  t.is(status?.exitCode, 143);
  // Well before the grace period: the process died of SIGTERM, no SIGKILL was needed.
  t.true(performance.now() - started < 5000);
  t.is((await f.runtime.inspect(id))?.state, 'exited');
  t.true((await f.runtime.inspect(id))?.record.stopRequested);
});

test('a process that ignores SIGTERM is SIGKILLed after the grace period, not before (137)', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ init: true, stop_grace_period: '1500ms', command: ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.05; done'] });
  const started = performance.now();
  const stopping = f.runtime.stop(id);
  // Still running well into the grace period.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.is((await f.runtime.inspect(id))?.state, 'running');
  const status = await stopping;
  const elapsed = performance.now() - started;
  t.is(status?.exitCode, 137);
  t.true(elapsed >= 1500, `stopped after ${elapsed} ms`);
  t.true(elapsed < 4000, `stopped after ${elapsed} ms`);
});

test('stop_signal is sent instead of SIGTERM', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ stop_signal: 'SIGUSR1', command: ['sh', '-c', 'trap "echo got-usr1; exit 7" USR1; while true; do sleep 0.05; done'] });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const status = await f.runtime.stop(id, { timeoutMs: 5000 });
  t.is(status?.exitCode, 7);
  t.regex(await logText(f.runtime, id), /got-usr1/);
});

test('kill sends a signal; pause and resume freeze the container', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ command: ['sleep', '300'] });
  await f.runtime.pause(id);
  t.is((await f.runtime.inspect(id))?.state, 'paused');
  await f.runtime.resume(id);
  t.is((await f.runtime.inspect(id))?.state, 'running');
  const exited = f.runtime.wait(id, 5000);
  await f.runtime.kill(id, 'KILL');
  t.is((await exited)?.exitCode, 137);
});

test('exec runs with the container env, user and workdir; options override; the exit code comes back', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ user: 'app', working_dir: '/home/app', environment: { GREETING: 'hi' }, command: ['sleep', '300'] });
  const plain = await execInContainer(f.runtime, id, { args: ['sh', '-c', 'echo $GREETING $(id -u) $(pwd); echo err >&2; exit 5'] });
  t.is(plain.exitCode, 5);
  t.is(plain.stdout, 'hi 1000 /home/app\n');
  t.is(plain.stderr, 'err\n');
  const root = await execInContainer(f.runtime, id, { args: ['sh', '-c', 'echo $GREETING $(id -u) $(pwd)'], user: 'root', workdir: '/tmp', env: ['GREETING=yo'] });
  t.is(root.stdout, 'yo 0 /tmp\n');
  const missing = await execInContainer(f.runtime, id, { args: ['no-such-command'] });
  t.is(missing.exitCode, 127);
  t.regex(missing.stderr, /executable file not found/);
  t.is((await execInContainer(f.runtime, id, { args: ['/etc/passwd'] })).exitCode, 126);
});

test('exec into a stopped container and into a missing one are clear errors', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ command: ['true'] });
  await f.runtime.wait(id, 5000);
  await t.throwsAsync(execInContainer(f.runtime, id, { args: ['true'] }), { instanceOf: UserError, message: /is not running \(exited\)/ });
  await t.throwsAsync(execInContainer(f.runtime, 'nope', { args: ['true'] }), { instanceOf: UserError, message: /no such container: nope/ });
});

test('delete of a running container needs force; afterwards nothing is left', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ command: ['sleep', '300'] });
  await t.throwsAsync(f.runtime.delete(id), { instanceOf: UserError, message: /is running/ });
  await f.runtime.delete(id, { force: true });
  await assertNothingLeft(t, f.runtime, id);
});

test('a created but never started container can be deleted', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.create({ command: ['sleep', '300'] });
  t.is((await f.runtime.inspect(id))?.state, 'created');
  await f.runtime.delete(id);
  await assertNothingLeft(t, f.runtime, id);
});

test('start runs an exited container again (log appended, new exit code); a running one cannot be started', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ environment: { N: '3' }, command: ['sh', '-c', 'echo run; exit $N'] });
  t.is((await f.runtime.wait(id, 5000))?.exitCode, 3);
  await f.runtime.start(id);
  t.is((await f.runtime.wait(id, 5000))?.exitCode, 3);
  t.is(await logText(f.runtime, id), 'run\nrun\n');
  const running = await f.run({ command: ['sleep', '300'] });
  await t.throwsAsync(f.runtime.start(running), { instanceOf: UserError, message: /cannot be started: it is running/ });
});

test('tty: the process has a terminal and its output is logged; stdin_open keeps stdin open', async (t) => {
  const f = await runtimeFixture(t);
  const withTty = await f.run({ tty: true, command: ['sh', '-c', 'tty; echo term=$TERM'] });
  t.is((await f.runtime.wait(withTty, 10_000))?.exitCode, 0);
  const text = await logText(f.runtime, withTty);
  t.regex(text, /\/dev\/pts\/0/);
  t.regex(text, /term=xterm/);
  const open = await f.run({ stdin_open: true, command: ['cat'] });
  t.is(await f.runtime.wait(open, 500), undefined, 'cat should still wait for input');
  const closed = await f.run({ command: ['cat'] });
  t.is((await f.runtime.wait(closed, 10_000))?.exitCode, 0);
});
