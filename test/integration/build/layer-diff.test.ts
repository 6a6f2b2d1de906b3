import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { commitSnapshot, nextChainId } from '../../../src/build/layer-diff.js';
import { discardSnapshot, mountSnapshot } from '../../../src/build/layer-snapshot.js';
import { TarReader } from '../../../src/image/tar-reader.js';
import { buildFixture } from './build-fixture.js';

const mounted = (dir: string): boolean => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${dir} `);

test('a snapshot step becomes a layer: new and changed files, whiteouts for deletions, opaque dirs, hardlinks', async (t) => {
  const { store, busybox } = await buildFixture(t);
  const snapshot = await mountSnapshot(store, busybox.chainIds);
  t.teardown(() => discardSnapshot(snapshot).catch(() => undefined));
  const root = snapshot.merged;
  t.true(mounted(root));
  t.is(readFileSync(path.join(root, 'etc/app.conf'), 'utf8'), 'listen=8080\n');
  writeFileSync(path.join(root, 'etc/app.conf'), 'listen=9090\n');
  mkdirSync(path.join(root, 'app'));
  writeFileSync(path.join(root, 'app/a.txt'), 'a');
  linkSync(path.join(root, 'app/a.txt'), path.join(root, 'app/b.txt'));
  unlinkSync(path.join(root, 'www/index.html'));
  rmSync(path.join(root, 'opt/old'), { recursive: true });
  mkdirSync(path.join(root, 'opt/old'));
  writeFileSync(path.join(root, 'opt/old/fresh.txt'), 'fresh');
  const layer = await commitSnapshot(store, snapshot);
  if (!layer) throw new Error('no layer');
  t.false(mounted(root));
  t.false(existsSync(snapshot.dir), 'the snapshot dir became the layer');
  t.is(layer.descriptor.digest, layer.diffId, 'an uncompressed layer blob is named by its DiffID');
  const names: string[] = [];
  const reader = new TarReader(store.blobs.stream(layer.descriptor.digest));
  for (let entry = await reader.next(); entry; entry = await reader.next()) names.push(`${entry.kind}:${entry.name}${entry.kind === 'hardlink' ? `->${entry.linkname}` : ''}`);
  t.deepEqual(names, [
    'directory:app/',
    'file:app/a.txt',
    'hardlink:app/b.txt->app/a.txt',
    'directory:etc/',
    'file:etc/app.conf',
    'directory:opt/',
    'directory:opt/old/',
    'file:opt/old/.wh..wh..opq',
    'file:opt/old/fresh.txt',
    'directory:www/',
    'file:www/.wh.index.html',
  ]);
  const chainId = nextChainId(busybox.chainIds.at(-1), layer.diffId);
  t.true(await store.layers.has(chainId));
  // The stack with the new layer on top shows the step's result.
  const next = await mountSnapshot(store, [...busybox.chainIds, chainId]);
  t.teardown(() => discardSnapshot(next).catch(() => undefined));
  t.is(readFileSync(path.join(next.merged, 'etc/app.conf'), 'utf8'), 'listen=9090\n');
  t.false(existsSync(path.join(next.merged, 'www/index.html')));
  t.true(existsSync(path.join(next.merged, 'www/hardlink.html')));
  t.deepEqual(readdirSync(path.join(next.merged, 'opt/old')), ['fresh.txt']);
  await discardSnapshot(next);
  t.false(existsSync(next.dir));
  // The tar unpacks through the store's own hostile-input unpacker to the same DiffID.
  const unpacked = await store.layers.unpackToTemp(store.blobs.stream(layer.descriptor.digest));
  t.is(unpacked.result.diffId, layer.diffId);
  rmSync(unpacked.temp, { recursive: true, force: true });
});

test('a step that changes nothing makes no layer; FROM scratch mounts an empty root', async (t) => {
  const { store } = await buildFixture(t);
  const empty = await mountSnapshot(store, []);
  t.deepEqual(readdirSync(empty.merged), []);
  t.is(await commitSnapshot(store, empty), undefined);
  t.false(existsSync(empty.dir));
});

test('the same change twice gives the same DiffID', async (t) => {
  const { store, busybox } = await buildFixture(t);
  const diffIds: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const snapshot = await mountSnapshot(store, busybox.chainIds);
    writeFileSync(path.join(snapshot.merged, 'same.txt'), 'same');
    utimesSync(path.join(snapshot.merged, 'same.txt'), 1_700_000_000, 1_700_000_000);
    utimesSync(snapshot.merged, 1_700_000_000, 1_700_000_000);
    diffIds.push((await commitSnapshot(store, snapshot))?.diffId ?? '');
  }
  t.is(diffIds[0], diffIds[1]);
});

test('a directory copied up without a lasting change drops out of the layer; one whose mode changed stays', async (t) => {
  const { store, busybox } = await buildFixture(t);
  const snapshot = await mountSnapshot(store, busybox.chainIds);
  const before = statSync(path.join(snapshot.merged, 'var'));
  mkdirSync(path.join(snapshot.merged, 'var/stub'));
  rmSync(path.join(snapshot.merged, 'var/stub'), { recursive: true });
  utimesSync(path.join(snapshot.merged, 'var'), before.atime, before.mtime);
  chmodSync(path.join(snapshot.merged, 'etc'), 0o750);
  const layer = await commitSnapshot(store, snapshot);
  const names: string[] = [];
  const reader = new TarReader(store.blobs.stream(layer?.descriptor.digest ?? ''));
  for (let entry = await reader.next(); entry; entry = await reader.next()) names.push(entry.name);
  t.deepEqual(names, ['etc/']);
});
