import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { imageStoreLayout, openBlobStore, sha256Digest } from '../../../src/image/blob-store.js';
import { LayerDigestError, LayerStore, chainIdsOf } from '../../../src/image/layer-store.js';
import { unpackLayer } from '../../../src/image/layer-unpack.js';
import { berthSys } from '../../../src/native/berth-sys.js';
import { HOSTILE_LAYER_KINDS, type HostileLayerKind, buildBusyboxLayers, rawLayer, writeHostileLayer } from '../../helpers/test-image.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

async function* bytes(data: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
}

/** Every path under `dir` with type, mode, owner, mtime, size, link target: what two unpackers must agree on. */
function describeTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    const absolute = path.join(dir, relative);
    const stat = lstatSync(absolute);
    const type = stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : stat.isFile() ? 'f' : stat.isCharacterDevice() ? 'c' : '?';
    const extra = type === 'l' ? readlinkSync(absolute) : type === 'f' ? `${stat.size} links=${stat.nlink}` : '';
    out.push(`${relative || '.'} ${type} ${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid} ${Math.floor(stat.mtimeMs / 1000)} ${extra}`);
    if (type === 'd') for (const name of readdirSync(absolute).sort()) walk(relative ? `${relative}/${name}` : name);
  };
  walk('');
  return out.slice(1);
}

test('busybox layers unpack exactly as GNU tar unpacks them: modes, setuid, owners, mtimes, links', async (t) => {
  const paths = await tempStatePaths(t);
  const layers = buildBusyboxLayers();
  for (const [i, layer] of [layers[0], layers[2]].entries()) {
    if (!layer) throw new Error('missing layer');
    const ours = path.join(paths.root, `ours-${i}`);
    const theirs = path.join(paths.root, `tar-${i}`);
    mkdirSync(ours, { recursive: true });
    mkdirSync(theirs, { recursive: true });
    execFileSync('tar', ['-C', theirs, '-xpf', '-', '--numeric-owner'], { input: layer.tar });
    const result = await unpackLayer(bytes(gzipSync(layer.tar)), ours);
    t.is(result.diffId, sha256Digest(layer.tar));
    t.deepEqual(describeTree(ours), describeTree(theirs));
  }
  t.is((lstatSync(path.join(paths.root, 'ours-0/usr/local/bin/suid-tool')).mode & 0o7777).toString(8), '4755');
  t.is(lstatSync(path.join(paths.root, 'ours-0/www/hardlink.html')).ino, lstatSync(path.join(paths.root, 'ours-0/www/index.html')).ino);
  t.is(readlinkSync(path.join(paths.root, 'ours-0/bin/sh')), 'busybox');
});

test('whiteouts become char 0:0 devices and an opaque marker the trusted.overlay.opaque xattr', async (t) => {
  const paths = await tempStatePaths(t);
  const layer = buildBusyboxLayers()[1];
  if (!layer) throw new Error('missing layer');
  const dir = path.join(paths.root, 'l2');
  mkdirSync(dir, { recursive: true });
  const result = await unpackLayer(bytes(layer.tar), dir);
  t.is(result.whiteouts, 2);
  for (const hidden of ['etc/motd', 'var/lib/data']) {
    const stat = lstatSync(path.join(dir, hidden));
    t.true(stat.isCharacterDevice(), hidden);
    t.is(stat.rdev, 0);
  }
  t.false(existsSync(path.join(dir, 'etc/.wh.motd')));
  t.false(existsSync(path.join(dir, 'opt/old/.wh..wh..opq')));
  t.is(berthSys().lgetxattr(path.join(dir, 'opt/old'), 'trusted.overlay.opaque')?.toString(), 'y');
  t.is(readFileSync(path.join(dir, 'opt/old/c.txt'), 'utf8'), 'c\n');
  const owned = lstatSync(path.join(dir, 'www/app.txt'));
  t.deepEqual([owned.uid, owned.gid, (owned.mode & 0o7777).toString(8)], [1000, 1000, '640']);
});

test('an absolute name lands inside the layer, and a later entry replaces an earlier one', async (t) => {
  const paths = await tempStatePaths(t);
  const dir = path.join(paths.root, 'abs');
  mkdirSync(dir, { recursive: true });
  const layer = rawLayer([
    { header: { name: '/etc/hostname', type: 'file' }, data: 'first' },
    { header: { name: 'etc/hostname', type: 'symlink', linkname: '/etc/passwd' } },
    { header: { name: 'etc/hostname', type: 'file' }, data: 'second' },
  ]);
  await unpackLayer(bytes(layer.tar), dir);
  t.is(readFileSync(path.join(dir, 'etc/hostname'), 'utf8'), 'second');
  t.false(lstatSync(path.join(dir, 'etc/hostname')).isSymbolicLink());
});

const expectedErrors: Record<HostileLayerKind, RegExp> = {
  dotdot: /points outside the layer/,
  'absolute-escape': /points outside the layer/,
  'symlink-parent': /writes through "link", a symlink/,
  'symlink-dotdot-parent': /writes through "a\/up", a symlink/,
  'hardlink-outside': /points outside the layer/,
  'char-device': /character device "dev-mem" \(1:1\)/,
  'block-device': /block device "dev-sda" \(8:0\)/,
  'huge-size': /more than 67108864 bytes \(the limit\)/,
  'gzip-bomb': /more than 67108864 bytes \(the limit\)/,
  'too-many-entries': /more than 1000 entries \(the limit\)/,
  truncated: /truncated/,
};

for (const kind of HOSTILE_LAYER_KINDS) {
  test(`hostile layer "${kind}" is refused with a clear error and leaves nothing in the store`, async (t) => {
    const paths = await tempStatePaths(t);
    const blobs = await openBlobStore(paths);
    const layout = imageStoreLayout(paths);
    const store = new LayerStore(layout, { maxUnpackedBytes: 64 * 1024 * 1024, maxEntries: 1000 });
    const layer = writeHostileLayer(kind, { bombBytes: 65 * 1024 * 1024 });
    const blob = kind === 'gzip-bomb' ? gzipSync(layer.tar) : layer.tar;
    const diffId = sha256Digest(layer.tar);
    const { digest } = await blobs.putBytes(blob);
    if (kind === 'gzip-bomb') t.true(blob.length < 200_000, `bomb blob is ${blob.length} bytes`);
    const [chainId = ''] = chainIdsOf([diffId]);
    const error = await t.throwsAsync(store.ensure({ chainId, diffId, blob: digest }, () => blobs.stream(digest)));
    t.regex(error.message, expectedErrors[kind]);
    t.deepEqual(readdirSync(layout.layersDir), []);
    t.deepEqual(readdirSync(layout.tempDir), []);
    t.false(await store.has(chainId));
    const base = path.dirname(paths.root);
    t.deepEqual(execFileSync('find', [base, '-name', 'escaped-*'], { encoding: 'utf8' }), '');
    for (const name of ['escaped-dotdot', 'escaped-absolute', 'escaped-through-symlink', 'escaped-symlink-dotdot']) t.false(existsSync(`/tmp/${name}`));
  });
}

test('a layer whose content does not match its DiffID is refused and not kept', async (t) => {
  const paths = await tempStatePaths(t);
  const blobs = await openBlobStore(paths);
  const layout = imageStoreLayout(paths);
  const store = new LayerStore(layout);
  const layer = rawLayer([{ header: { name: 'a', type: 'file' }, data: 'a' }]);
  const { digest } = await blobs.putBytes(layer.tar);
  const wrong = sha256Digest('other');
  await t.throwsAsync(store.ensure({ chainId: wrong, diffId: wrong, blob: digest }, () => blobs.stream(digest)), { instanceOf: LayerDigestError });
  t.deepEqual(readdirSync(layout.layersDir), []);
  t.deepEqual(readdirSync(layout.tempDir), []);
});

test('a layer is unpacked once per ChainID and then shared', async (t) => {
  const paths = await tempStatePaths(t);
  const blobs = await openBlobStore(paths);
  const store = new LayerStore(imageStoreLayout(paths));
  const layer = rawLayer([{ header: { name: 'a', type: 'file' }, data: 'a' }]);
  const { digest } = await blobs.putBytes(gzipSync(layer.tar));
  const diffId = sha256Digest(layer.tar);
  const [chainId = ''] = chainIdsOf([diffId]);
  const [first, second] = await Promise.all([
    store.ensure({ chainId, diffId, blob: digest }, () => blobs.stream(digest)),
    store.ensure({ chainId, diffId, blob: digest }, () => blobs.stream(digest)),
  ]);
  t.deepEqual(first, second);
  t.deepEqual(await store.list(), [chainId]);
  t.is(readFileSync(path.join(store.diffDirOf(chainId), 'a'), 'utf8'), 'a');
  let read = false;
  await store.ensure({ chainId, diffId, blob: digest }, () => {
    read = true;
    return blobs.stream(digest);
  });
  t.false(read);
});

test('a zstd-compressed layer unpacks through the zstd tool', async (t) => {
  const paths = await tempStatePaths(t);
  const layer = rawLayer([{ header: { name: 'z/hello.txt', type: 'file', mode: 0o640 }, data: 'zstd works\n' }]);
  const compressed = execFileSync('zstd', ['-q', '-c'], { input: layer.tar });
  const dir = path.join(paths.root, 'z');
  mkdirSync(dir, { recursive: true });
  const result = await unpackLayer(bytes(compressed), dir);
  t.is(result.diffId, sha256Digest(layer.tar));
  t.is(readFileSync(path.join(dir, 'z/hello.txt'), 'utf8'), 'zstd works\n');
  const broken = Buffer.concat([compressed.subarray(0, 8), Buffer.alloc(64, 7)]);
  await t.throwsAsync(unpackLayer(bytes(broken), path.join(paths.root, 'broken')), { message: /not valid zstd|truncated/ });
});
