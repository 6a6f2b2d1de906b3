// A full disk: BERTH_ROOT on a small tmpfs, filled up. An image load and an `up` fail with a clear
// error and leave nothing half-made; `down` works; once there is room again, `up` converges, and the
// store passes `image check` throughout.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { main } from '../../src/cli/main.js';
import { stopDaemon } from '../../src/daemon/daemon-process.js';
import { tempStatePaths } from '../helpers/temp-state.js';
import { buildBusyboxDockerArchive } from '../helpers/test-image.js';
import { assertNothingLeft } from './leftovers.js';

const COMPOSE = `name: rf-full
services:
${['a', 'b', 'c'].map((name) => `  ${name}:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n`).join('')}networks:
  default:
    ipam:
      config: [{ subnet: 10.240.174.0/24 }]
`;

/** Write zeros into `file` until the filesystem is full; returns how many bytes fit. */
async function fillUp(file: string): Promise<number> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(256 * 1024);
  let written = 0;
  try {
    for (;;) written += (await handle.write(chunk)).bytesWritten;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return written;
}

test('a full BERTH_ROOT: load and up fail cleanly, down works, and up converges once there is room', async (t) => {
  t.timeout(180_000);
  const paths = await tempStatePaths(t, 'rf-full');
  await mkdir(paths.root, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', paths.root]);
  const dir = await mkdtemp(path.join(tmpdir(), 'rf-full-proj-'));
  const env = { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '', NO_COLOR: '1' };
  const file = path.join(dir, 'compose.yaml');
  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { cwd: dir, env, stdout: { write: (text) => void (stdout += text) }, stderr: { write: (text) => void (stderr += text) } });
    return { code, stdout, stderr };
  };
  // Registered after tempStatePaths: teardowns run last-first, so this runs before the tmpfs is unmounted.
  t.teardown(async () => {
    await cli('-f', file, 'down', '-v', '-t', '0').catch(() => undefined);
    await stopDaemon(paths).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(file, COMPOSE);
  buildBusyboxDockerArchive(path.join(dir, 'busybox.tar'));
  buildBusyboxDockerArchive(path.join(dir, 'other.tar'), { tag: 'other:1', config: { Labels: { other: 'yes' } } });
  t.is((await cli('image', 'load', '-q', '-i', path.join(dir, 'busybox.tar'))).code, 0);
  // berthd cannot start on a full disk (its log and pid file are under the root): it says so.
  const filler = path.join(paths.root, 'filler');
  await fillUp(filler);
  const noDaemon = await cli('-f', file, 'up', '-d');
  t.is(noDaemon.code, 1);
  t.regex(noDaemon.stderr, /^error: start berthd: berthd exited with code \d+ before answering .*the disk under .* is full/m);
  await rm(filler);
  // A running system had berthd up before its disk filled.
  t.is((await cli('daemon', 'start')).code, 0);

  const filled = await fillUp(filler);
  t.log(`filled ${Math.round(filled / 1024 / 1024)} MiB`);

  const load = await cli('image', 'load', '-q', '-i', path.join(dir, 'other.tar'));
  t.is(load.code, 1, load.stderr);
  t.regex(load.stderr, /^error: .*no space left on device.*\n {2}hint: the disk is full/m);
  t.notRegex(load.stderr, /internal error|^\s+at /m);

  const up = await cli('-f', file, 'up', '-d');
  t.is(up.code, 1, up.stderr);
  t.regex(up.stderr, /^error: .*no space left on device.*\n {2}hint: (the disk is full|.*space)/m);
  t.notRegex(up.stderr, /internal error|^\s+at /m);

  const down = await cli('-f', file, 'down', '-v', '-t', '0');
  t.is(down.code, 0, down.stderr);
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.174.'], projects: ['rf-full'], testMounts: [paths.root] }, 'after the failed up and down on a full disk');
  const check = await cli('image', 'check');
  t.is(check.code, 0, check.stdout + check.stderr);
  t.regex((await cli('image', 'ls')).stdout, /busybox/);
  t.notRegex((await cli('image', 'ls')).stdout, /other/);

  // Room again: the same up converges, and down leaves nothing.
  await rm(filler);
  const again = await cli('-f', file, 'up', '--wait');
  t.is(again.code, 0, again.stderr);
  t.is((await cli('-f', file, 'ps', '-q')).stdout.trim().split('\n').length, 3);
  t.is((await cli('image', 'load', '-q', '-i', path.join(dir, 'other.tar'))).code, 0);
  t.is((await cli('-f', file, 'down', '-v', '-t', '0')).code, 0);
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.174.'], projects: ['rf-full'], testMounts: [paths.root] });
  t.is((await cli('image', 'check')).code, 0);
  t.regex(await readFile(path.join(paths.root, 'berthd.log'), 'utf8').catch(() => ''), /listening on/);
});
