import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { loadImages } from '../../../src/image/archive-import.js';
import { openImageStore } from '../../../src/image/image-store.js';
import { prepareRootfs, releaseRootfs } from '../../../src/image/rootfs.js';
import { INDEX_HTML, buildBusyboxOciLayout } from '../../helpers/test-image.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

const mounted = (dir: string): boolean => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${dir} `);

test('a prepared rootfs shows the union of the layers with whiteouts and opaque dirs applied, and runs busybox', async (t) => {
  const paths = await tempStatePaths(t);
  const store = await openImageStore(paths);
  buildBusyboxOciLayout(path.join(path.dirname(paths.root), 'layout'), { tag: 'busybox:latest' });
  const [loaded] = await loadImages(store, path.join(path.dirname(paths.root), 'layout'));
  if (!loaded) throw new Error('nothing loaded');
  const prepared = await prepareRootfs(store, paths, 'c1', loaded.record);
  t.teardown(() => releaseRootfs(paths, 'c1').catch(() => undefined));
  const root = prepared.rootfs;
  t.true(mounted(root));
  t.is(readFileSync(path.join(root, 'www/index.html'), 'utf8'), INDEX_HTML);
  t.false(existsSync(path.join(root, 'etc/motd')), 'whiteout hides /etc/motd');
  t.false(existsSync(path.join(root, 'var/lib/data')), 'whiteout hides a whole directory');
  t.deepEqual(readdirSync(path.join(root, 'opt/old')), ['c.txt'], 'opaque dir hides the lower entries');
  t.is(readFileSync(path.join(root, 'etc/app.conf'), 'utf8'), 'listen=8080\n');
  t.is(execFileSync('chroot', [root, '/bin/sh', '-c', 'cat /www/index.html; stat -c %U /www/app.txt; stat -c %A /usr/local/bin/suid-tool'], { encoding: 'utf8' }), `${INDEX_HTML}app\n-rwsr-xr-x\n`);
  // A non-root user reads through the overlay although the store's own directories are 0700.
  t.is(execFileSync('chroot', ['--userspec=1000:1000', root, '/bin/cat', '/www/app.txt'], { encoding: 'utf8' }), 'owned by app\n');
  writeFileSync(path.join(root, 'www/new.txt'), 'written by the container');
  t.is(readFileSync(path.join(prepared.upperDir, 'www/new.txt'), 'utf8'), 'written by the container');
  t.false(existsSync(path.join(store.layers.diffDirOf(loaded.record.chainIds[0] ?? ''), 'www/new.txt')));
  t.deepEqual(await prepareRootfs(store, paths, 'c1', loaded.record), prepared, 'preparing again returns the same mount');
  await releaseRootfs(paths, 'c1');
  t.false(mounted(root));
  t.false(existsSync(path.dirname(root)));
  t.true(existsSync(path.join(store.layers.diffDirOf(loaded.record.chainIds[0] ?? ''), 'www/index.html')), 'layers survive the release');
});

test('image rm refuses an image whose rootfs is prepared, until it is released', async (t) => {
  const paths = await tempStatePaths(t);
  const store = await openImageStore(paths);
  buildBusyboxOciLayout(path.join(path.dirname(paths.root), 'layout'), { tag: 'busybox:latest' });
  const [loaded] = await loadImages(store, path.join(path.dirname(paths.root), 'layout'));
  if (!loaded) throw new Error('nothing loaded');
  await prepareRootfs(store, paths, 'user', loaded.record);
  t.teardown(() => releaseRootfs(paths, 'user').catch(() => undefined));
  await t.throwsAsync(store.remove('busybox'), { message: /used by a container/ });
  await releaseRootfs(paths, 'user');
  t.is((await store.remove('busybox')).deleted.length, 1);
});

test('preparing and releasing a rootfs takes a few milliseconds', async (t) => {
  const paths = await tempStatePaths(t);
  const store = await openImageStore(paths);
  buildBusyboxOciLayout(path.join(path.dirname(paths.root), 'layout'), { tag: 'busybox:latest' });
  const [loaded] = await loadImages(store, path.join(path.dirname(paths.root), 'layout'));
  if (!loaded) throw new Error('nothing loaded');
  const rounds = 20;
  let prepareMs = 0;
  let releaseMs = 0;
  for (let i = 0; i < rounds; i += 1) {
    const start = performance.now();
    await prepareRootfs(store, paths, `bench-${i}`, loaded.record);
    prepareMs += performance.now() - start;
    t.teardown(() => releaseRootfs(paths, `bench-${i}`).catch(() => undefined));
  }
  for (let i = 0; i < rounds; i += 1) {
    const start = performance.now();
    await releaseRootfs(paths, `bench-${i}`);
    releaseMs += performance.now() - start;
  }
  t.log(`prepare ${(prepareMs / rounds).toFixed(2)} ms, release ${(releaseMs / rounds).toFixed(2)} ms per container (${rounds} containers)`);
  t.true(prepareMs / rounds < 50);
});
