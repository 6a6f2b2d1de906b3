import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import test from 'ava';
import { MountFlag, NamespaceFlag, S_IFCHR, UnmountFlag, berthSys } from '../../../src/native/berth-sys.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

test('mount and umount2 mount a tmpfs in-process', async (t) => {
  const { root } = await tempStatePaths(t, 'native');
  const target = `${root}/mnt`;
  await mkdir(target, { recursive: true });
  berthSys().mount('tmpfs', target, 'tmpfs', MountFlag.NOSUID | MountFlag.NODEV, 'size=1m,mode=0700');
  t.true((await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${target} `));
  await writeFile(`${target}/x`, 'y');
  berthSys().umount2(target, UnmountFlag.DETACH);
  t.false((await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${target} `));
  await t.throwsAsync(readFile(`${target}/x`), { code: 'ENOENT' });
});

test('a failed call throws with the errno name, the syscall and the path', (t) => {
  const error = t.throws(() => berthSys().umount2('/nonexistent-berth-path', 0));
  t.like(error as unknown as Record<string, unknown>, { code: 'ENOENT', syscall: 'umount2', path: '/nonexistent-berth-path' });
});

test('wrong argument types are a TypeError, not a crash', (t) => {
  t.throws(() => (berthSys().mount as unknown as (...args: unknown[]) => void)(1, 2), { instanceOf: TypeError });
});

test('mknod makes an overlay whiteout and xattrs round-trip without following symlinks', async (t) => {
  const { root } = await tempStatePaths(t, 'native');
  await mkdir(root, { recursive: true });
  berthSys().mknod(`${root}/gone`, S_IFCHR | 0o000, 0, 0);
  const info = await stat(`${root}/gone`);
  t.true(info.isCharacterDevice());
  t.is(info.rdev, 0);
  await mkdir(`${root}/dir`);
  berthSys().lsetxattr(`${root}/dir`, 'trusted.overlay.opaque', 'y', 0);
  t.is(berthSys().lgetxattr(`${root}/dir`, 'trusted.overlay.opaque')?.toString(), 'y');
  t.is(berthSys().lgetxattr(`${root}/dir`, 'trusted.absent'), null);
});

test('unshare(CLONE_NEWNET) in a worker thread leaves the main thread in the host namespace', async (t) => {
  const hostNetns = (await stat('/proc/self/ns/net')).ino;
  const workerCode = `
    const { parentPort } = require('node:worker_threads');
    const { statSync } = require('node:fs');
    const sys = require(${JSON.stringify(new URL('../../../build/berth-sys.node', import.meta.url).pathname)});
    sys.unshare(${NamespaceFlag.NEWNET});
    parentPort.postMessage(statSync('/proc/thread-self/ns/net').ino);
  `;
  const workerNetns = await new Promise<number>((resolve, reject) => {
    const worker = new Worker(workerCode, { eval: true });
    worker.once('message', (value: number) => {
      resolve(value);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  t.not(workerNetns, hostNetns);
  t.is((await stat('/proc/self/ns/net')).ino, hostNetns);
  t.is((await stat('/proc/thread-self/ns/net')).ino, hostNetns);
});
