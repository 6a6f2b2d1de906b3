import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ContainerLogReader, K8sLogDecoder } from '../../../src/engine/container-log-reader.js';

const T1 = '2024-05-01T12:00:00.000000001+00:00';
const T2 = '2024-05-01T12:00:01.000000002+00:00';
const T3 = '2024-05-01T12:00:02.000000003+00:00';

async function tempLog(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-log-reader-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'c.log');
}

test('partial lines are joined across chunks, per stream, keeping the first piece\'s time', (t) => {
  const decoder = new K8sLogDecoder();
  t.deepEqual(decoder.push(`${T1} stdout P hel`), []);
  t.deepEqual(decoder.push(`lo\n${T2} stderr F err\n${T2} stdout P  wor`), [{ time: T2, stream: 'stderr', text: 'err' }]);
  t.deepEqual(decoder.push(`ld\n${T3} stdout F !\n`), [{ time: T1, stream: 'stdout', text: 'hello world!' }]);
});

test('a multi-byte character split between chunks survives', (t) => {
  const decoder = new K8sLogDecoder();
  const bytes = Buffer.from(`${T1} stdout F héllo\n`);
  const cut = bytes.indexOf(Buffer.from('é')) + 1;
  t.deepEqual(decoder.push(bytes.subarray(0, cut)), []);
  t.deepEqual(decoder.push(bytes.subarray(cut)), [{ time: T1, stream: 'stdout', text: 'héllo' }]);
});

test('flush gives what a log that will not grow still holds: a line without newline, unfinished pieces', (t) => {
  const decoder = new K8sLogDecoder();
  decoder.push(`${T1} stderr P half\n${T2} stdout F torn`);
  t.deepEqual(decoder.flush(), [
    { time: T2, stream: 'stdout', text: 'torn' },
    { time: T1, stream: 'stderr', text: 'half' },
  ]);
  t.deepEqual(decoder.flush(), []);
});

test('the reader goes on from the end of the history: no line lost or repeated', async (t) => {
  const log = await tempLog(t);
  await writeFile(`${log}.1`, `${T1} stdout F rotated\n`);
  await writeFile(log, `${T2} stdout F current\n${T2} stdout F par`);
  const reader = new ContainerLogReader(log);
  t.teardown(() => reader.close());
  t.deepEqual((await reader.history()).map((entry) => entry.text), ['rotated', 'current']);
  await appendFile(log, `tial\n${T3} stdout F next\n`);
  t.deepEqual((await reader.readNew()).map((entry) => entry.text), ['partial', 'next']);
  t.deepEqual(await reader.readNew(), []);
});

test('a rotation (rename to .1, new file) is followed: the old file is drained, then the new one read', async (t) => {
  const log = await tempLog(t);
  await writeFile(log, `${T1} stdout F one\n`);
  const reader = new ContainerLogReader(log);
  t.teardown(() => reader.close());
  t.deepEqual((await reader.history()).map((entry) => entry.text), ['one']);
  await appendFile(log, `${T1} stdout F two\n`);
  await rename(log, `${log}.1`);
  // The writer still has the old file open for a moment.
  await appendFile(`${log}.1`, `${T2} stdout F three\n`);
  await writeFile(log, `${T3} stdout F four\n`);
  t.deepEqual((await reader.readNew()).map((entry) => entry.text), ['two', 'three', 'four']);
});

test('a file started again from empty (size cap) is read from its start', async (t) => {
  const log = await tempLog(t);
  await writeFile(log, `${T1} stdout F a long first line\n`);
  const reader = new ContainerLogReader(log);
  t.teardown(() => reader.close());
  await reader.history();
  await truncate(log, 0);
  await appendFile(log, `${T2} stdout F b\n`);
  t.deepEqual((await reader.readNew()).map((entry) => entry.text), ['b']);
});

test('a log that does not exist yet reads as empty, then as written', async (t) => {
  const log = await tempLog(t);
  const reader = new ContainerLogReader(log);
  t.teardown(() => reader.close());
  t.deepEqual(await reader.history(), []);
  await writeFile(log, `${T1} stdout F late\n`);
  t.deepEqual((await reader.readNew()).map((entry) => entry.text), ['late']);
});
