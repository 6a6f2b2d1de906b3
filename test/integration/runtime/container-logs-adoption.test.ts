import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { followContainerLog, readContainerLog } from '../../../src/runtime/k8s-log.js';
import { conmonProcessesOf, newContainerId, runToExit, runtimeFixture } from './runtime-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('logs keep stdout and stderr apart, in k8s-file format', async (t) => {
  const f = await runtimeFixture(t);
  const { id } = await runToExit(f, { command: ['sh', '-c', 'echo out1; echo err1 >&2; printf "no-newline"'] });
  const entries = await readContainerLog(f.runtime.files(id).log);
  t.deepEqual(entries.map(({ stream, text }) => [stream, text]).sort(), [['stderr', 'err1'], ['stdout', 'no-newline'], ['stdout', 'out1']]);
  t.deepEqual((await readContainerLog(f.runtime.files(id).log, { tail: 1 })).length, 1);
});

test('with max-size and one file, conmon starts the log again; it never exceeds max-size', async (t) => {
  const f = await runtimeFixture(t);
  const { id } = await runToExit(f, {
    logging: { driver: 'json-file', options: { 'max-size': '4k' } },
    command: ['sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo line-$i; i=$((i+1)); done'],
  });
  const log = f.runtime.files(id).log;
  t.true((await stat(log)).size <= 4096);
  const entries = await readContainerLog(log);
  t.is(entries.at(-1)?.text, 'line-399');
  t.true(entries.length < 400);
});

test('with max-file 3, berth rotates the log into numbered files and drops the oldest', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({
    logging: { driver: 'json-file', options: { 'max-size': '4k', 'max-file': '3' } },
    // Slow enough that rotation (inotify in this process) keeps up on a loaded machine, as with a real service.
    command: ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do echo line-$i-padding-padding-padding; i=$((i+1)); [ $((i % 10)) = 0 ] && sleep 0.05; done'],
  });
  await f.runtime.wait(id, 20_000);
  const dir = f.runtime.files(id).dir;
  const names = (await readdir(dir)).filter((name) => name.includes('.log')).sort();
  // The current file may be absent when the last rotation came after the last line.
  t.deepEqual(names.filter((name) => name !== `${id}.log`), [`${id}.log.1`, `${id}.log.2`]);
  const entries = await readContainerLog(f.runtime.files(id).log);
  t.is(entries.at(-1)?.text, 'line-299-padding-padding-padding');
  // Consecutive lines across the kept files: rotation lost nothing in between.
  const numbers = entries.map((entry) => Number(/line-(\d+)/.exec(entry.text)?.[1]));
  t.deepEqual(numbers, numbers.map((_, index) => (numbers[0] ?? 0) + index));
  t.true((numbers[0] ?? 0) > 0, 'the oldest lines were dropped');
});

test('a container survives SIGKILL of the engine process and a new engine adopts it', async (t) => {
  const f = await runtimeFixture(t);
  const id = newContainerId();
  const paths = f.runtime.paths;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'engine-child.ts'), paths.root, paths.run, f.rootfs, id], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(async () => {
    child.kill('SIGKILL');
    const adopted = new ContainerRuntime(paths);
    await adopted.delete(id, { force: true }).catch(() => undefined);
    adopted.close();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`engine child exited with ${code}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));

  const engine = new ContainerRuntime(paths);
  t.teardown(() => engine.close());
  const adopted = await engine.adopt();
  const status = adopted.find((candidate) => candidate.record.id === id);
  t.is(status?.state, 'running');
  t.is(status?.record.labels['com.docker.compose.project'], 'adopt');
  t.is((await conmonProcessesOf(id)).length, 1);
  const exit = await engine.stop(id, { timeoutMs: 5000 });
  t.is(exit?.exitCode, 0);
  const text = (await readContainerLog(engine.files(id).log)).map((entry) => entry.text);
  t.deepEqual(text, ['before', 'got-term']);
});

test('following a log delivers lines as the container writes them', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.create({ command: ['sh', '-c', 'for i in 1 2 3; do echo tick-$i; sleep 0.1; done'] });
  const seen: string[] = [];
  const allSeen = new Promise<void>((resolve) => {
    const stop = followContainerLog(f.runtime.files(id).log, (entry) => {
      seen.push(entry.text);
      if (seen.length === 3) {
        stop();
        resolve();
      }
    });
  });
  await f.runtime.start(id);
  await allSeen;
  t.deepEqual(seen, ['tick-1', 'tick-2', 'tick-3']);
});
