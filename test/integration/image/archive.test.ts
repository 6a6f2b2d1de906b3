import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { loadImages } from '../../../src/image/archive-import.js';
import { saveImages } from '../../../src/image/archive-export.js';
import { type ImageStore, openImageStore } from '../../../src/image/image-store.js';
import { INDEX_HTML, buildBusyboxDockerArchive, buildBusyboxOciLayout, rawLayer, writeHostileLayer } from '../../helpers/test-image.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

async function freshStore(t: ExecutionContext): Promise<{ store: ImageStore; work: string }> {
  const paths = await tempStatePaths(t);
  return { store: await openImageStore(paths), work: path.dirname(paths.root) };
}

function storeContents(store: ImageStore): string[] {
  const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).map((name) => `${path.basename(dir)}/${name}`) : []);
  const index = existsSync(store.layout.indexFile) ? readFileSync(store.layout.indexFile, 'utf8') : '';
  return [...list(store.layout.blobsDir), ...list(store.layout.layersDir), ...list(store.layout.tempDir), index];
}

test('a docker-archive as docker save writes it loads under its RepoTags', async (t) => {
  const { store, work } = await freshStore(t);
  const built = buildBusyboxDockerArchive(path.join(work, 'image.tar'), { tag: 'busybox:1.36' });
  const [loaded, ...rest] = await loadImages(store, path.join(work, 'image.tar'));
  t.is(rest.length, 0);
  t.is(loaded?.reference, 'busybox:1.36');
  t.is(loaded?.record.id, built.configDigest);
  t.deepEqual(loaded?.record.references, ['docker.io/library/busybox:1.36']);
  t.deepEqual(loaded?.record.config.rootfs.diff_ids, built.diffIds);
  // Uncompressed layers: their blob digests are the DiffIDs.
  t.deepEqual(loaded?.record.manifest.layers.map((layer) => layer.digest), built.diffIds);
  t.is(readFileSync(path.join(store.layers.diffDirOf(loaded?.record.chainIds[0] ?? ''), 'www/index.html'), 'utf8'), INDEX_HTML);
});

test('a gzip-compressed docker-archive with gzip layers gives the same image ID', async (t) => {
  const { store, work } = await freshStore(t);
  const plain = buildBusyboxDockerArchive(path.join(work, 'plain.tar'));
  buildBusyboxDockerArchive(path.join(work, 'image.tar.gz'), { gzipArchive: true, gzipLayers: true });
  const [loaded] = await loadImages(store, path.join(work, 'image.tar.gz'));
  t.is(loaded?.record.id, plain.configDigest);
  t.not(loaded?.record.manifest.layers[0]?.digest, plain.diffIds[0]);
  t.is(loaded?.record.manifest.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
});

test('an OCI layout directory and an OCI layout tar.gz load under their annotated names', async (t) => {
  const { store, work } = await freshStore(t);
  const built = buildBusyboxOciLayout(path.join(work, 'layout'), { tag: 'localhost:5000/web:2' });
  const [fromDir] = await loadImages(store, path.join(work, 'layout'));
  t.is(fromDir?.record.manifestDigest, built.manifestDigest);
  t.deepEqual(fromDir?.record.references, ['localhost:5000/web:2']);
  buildBusyboxOciLayout(path.join(work, 'layout.tar.gz'), { tag: 'other:1', asTar: true, gzipArchive: true });
  const [fromTar] = await loadImages(store, path.join(work, 'layout.tar.gz'));
  t.is(fromTar?.record.manifestDigest, built.manifestDigest);
  t.deepEqual((await store.get('other:1')).references, ['docker.io/library/other:1', 'localhost:5000/web:2']);
});

test('save writes a docker-archive that skopeo reads, copies to an OCI layout umoci unpacks, and berth loads back', async (t) => {
  const { store, work } = await freshStore(t);
  buildBusyboxOciLayout(path.join(work, 'layout'), { tag: 'busybox:latest' });
  const [loaded] = await loadImages(store, path.join(work, 'layout'));
  const archive = path.join(work, 'saved.tar');
  await saveImages(store, archive, ['busybox']);
  const inspected = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${archive}`], { encoding: 'utf8' })) as { Layers: string[]; Os: string; Architecture: string };
  t.deepEqual(inspected.Layers, loaded?.record.config.rootfs.diff_ids);
  t.is(inspected.Architecture, 'amd64');
  const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `docker-archive:${archive}`], { encoding: 'utf8' })) as { rootfs: { diff_ids: string[] } };
  t.deepEqual(config.rootfs.diff_ids, loaded?.record.config.rootfs.diff_ids);
  execFileSync('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci:${path.join(work, 'copied')}:latest`]);
  execFileSync('umoci', ['unpack', '--image', `${path.join(work, 'copied')}:latest`, path.join(work, 'bundle')]);
  const rootfs = path.join(work, 'bundle/rootfs');
  t.is(readFileSync(path.join(rootfs, 'www/index.html'), 'utf8'), INDEX_HTML);
  t.false(existsSync(path.join(rootfs, 'etc/motd')));
  t.deepEqual(readdirSync(path.join(rootfs, 'opt/old')), ['c.txt']);
  const other = await openImageStore({ root: path.join(work, 'root2'), run: path.join(work, 'run2') });
  const [reloaded] = await loadImages(other, archive);
  t.is(reloaded?.record.id, loaded?.record.id);
  t.is(reloaded?.reference, 'busybox:latest');
});

test('a docker-archive written by skopeo loads', async (t) => {
  const { store, work } = await freshStore(t);
  const built = buildBusyboxOciLayout(path.join(work, 'layout'));
  execFileSync('skopeo', ['copy', '-q', `oci:${path.join(work, 'layout')}:latest`, `docker-archive:${path.join(work, 'skopeo.tar')}:example.com/team/app:3`]);
  const [loaded] = await loadImages(store, path.join(work, 'skopeo.tar'));
  t.is(loaded?.record.id, built.configDigest);
  t.deepEqual(loaded?.record.references, ['example.com/team/app:3']);
});

test('an archive with a hostile layer is refused and leaves the store exactly as it was', async (t) => {
  const { store, work } = await freshStore(t);
  buildBusyboxDockerArchive(path.join(work, 'good.tar'), { tag: 'good:1' });
  await loadImages(store, path.join(work, 'good.tar'));
  const before = storeContents(store);
  buildBusyboxDockerArchive(path.join(work, 'bad.tar'), { tag: 'bad:1', extraLayers: [writeHostileLayer('dotdot')] });
  await t.throwsAsync(loadImages(store, path.join(work, 'bad.tar')), { message: /points outside the layer \(\.\.\/ escape\)/ });
  t.deepEqual(storeContents(store), before);
  t.is(await store.find('bad:1'), undefined);
});

test('a large layer that turns hostile after megabytes of good files is refused while streaming, leaving nothing', async (t) => {
  const { store, work } = await freshStore(t);
  const before = storeContents(store);
  const bulk = Array.from({ length: 40 }, (_, i) => ({ header: { name: `bulk/f${i}`, type: 'file' as const }, data: 'b'.repeat(100_000) }));
  const hostile = rawLayer([...bulk, { header: { name: 'bulk/link', type: 'symlink', linkname: '/etc' } }, { header: { name: 'bulk/link/passwd', type: 'file' }, data: 'pwned' }]);
  for (const gzipLayers of [false, true]) {
    buildBusyboxDockerArchive(path.join(work, 'bad.tar'), { tag: 'bad:1', extraLayers: [hostile], gzipLayers });
    await t.throwsAsync(loadImages(store, path.join(work, 'bad.tar')), { message: /writes through "bulk\/link", a symlink/ });
    t.deepEqual(storeContents(store), before);
  }
});

test('an archive whose manifest names a missing layer, or that is no image at all, is refused cleanly', async (t) => {
  const { store, work } = await freshStore(t);
  const before = storeContents(store);
  buildBusyboxDockerArchive(path.join(work, 'image.tar'));
  execFileSync('tar', ['--delete', '-f', path.join(work, 'image.tar'), '--wildcards', '*/layer.tar']);
  await t.throwsAsync(loadImages(store, path.join(work, 'image.tar')), { message: /does not contain ".*\/layer.tar"/ });
  writeFileSync(path.join(work, 'junk.tar'), execFileSync('tar', ['-C', work, '-cf', '-', 'image.tar']));
  await t.throwsAsync(loadImages(store, path.join(work, 'junk.tar')), { message: /neither a docker-archive .* nor an OCI image layout/ });
  await t.throwsAsync(loadImages(store, path.join(work, 'missing.tar')), { message: /no such file/ });
  t.deepEqual(storeContents(store), before);
});
