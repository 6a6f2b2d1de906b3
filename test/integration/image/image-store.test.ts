import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { checkImageStore, inspectImage } from '../../../src/image/image-inspect.js';
import { type ImageStore, openImageStore } from '../../../src/image/image-store.js';
import { LayerDigestError, chainIdsOf } from '../../../src/image/layer-store.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { type BuiltTestImage, buildBusyboxOciLayout, rawLayer } from '../../helpers/test-image.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

/** Put every blob of an OCI layout into the store, as an importer or a pull would. */
async function storeLayout(t: Parameters<typeof tempStatePaths>[0], options: Parameters<typeof buildBusyboxOciLayout>[1] = {}, inUse?: Set<string>): Promise<{ store: ImageStore; image: BuiltTestImage; root: string }> {
  const paths = await tempStatePaths(t);
  const dir = path.join(path.dirname(paths.root), 'layout');
  const image = buildBusyboxOciLayout(dir, options);
  const store = await openImageStore(paths, inUse ? { inUse: (record) => inUse.has(record.id) } : {});
  await addLayoutBlobs(store, dir);
  return { store, image, root: paths.root };
}

async function addLayoutBlobs(store: ImageStore, dir: string): Promise<void> {
  for (const name of readdirSync(path.join(dir, 'blobs/sha256'))) await store.blobs.putBytes(readFileSync(path.join(dir, 'blobs/sha256', name)));
}

test('commit unpacks every layer by ChainID and the image is found by name, ID, prefix and manifest digest', async (t) => {
  const { store, image } = await storeLayout(t);
  const record = await store.commit(image.manifestDigest, { reference: parseImageReference('busybox'), repoDigest: `docker.io/library/busybox@${image.manifestDigest}` });
  t.is(record.id, image.configDigest);
  t.deepEqual(record.references, ['docker.io/library/busybox:latest']);
  t.deepEqual(record.chainIds, chainIdsOf(image.diffIds));
  for (const chainId of record.chainIds) t.true(await store.layers.has(chainId));
  t.is(readFileSync(path.join(store.layers.diffDirOf(record.chainIds[0] ?? ''), 'www/index.html'), 'utf8'), '<h1>berth busybox</h1>\n');
  for (const name of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', image.configDigest, image.configDigest.slice(7, 19), image.manifestDigest, `busybox@${image.manifestDigest}`]) {
    t.is((await store.find(name))?.manifestDigest, image.manifestDigest, name);
  }
  t.is(await store.find('busybox:other'), undefined);
  t.is(await store.find('nothere'), undefined);
});

test('a config whose diff_ids do not match the layers is refused and the index stays as it was', async (t) => {
  const { store, image } = await storeLayout(t);
  const badConfig = { ...image.config, rootfs: { type: 'layers' as const, diff_ids: image.diffIds.map((_, i) => (i === 2 ? image.diffIds[0] ?? '' : image.diffIds[i] ?? '')) } };
  const config = await store.blobs.putBytes(Buffer.from(JSON.stringify(badConfig)));
  const manifest = await store.blobs.putBytes(Buffer.from(JSON.stringify({ ...image.manifest, config: { ...image.manifest.config, ...config } })));
  await t.throwsAsync(store.commit(manifest.digest, { reference: parseImageReference('bad') }), { instanceOf: LayerDigestError, message: /unpacks to sha256:.* but the image config says/ });
  t.deepEqual(await store.list(), []);
  t.deepEqual(readdirSync(store.layout.tempDir), []);
});

test('commits that run at the same time never lose each other’s references', async (t) => {
  const { store, image } = await storeLayout(t);
  await Promise.all(Array.from({ length: 12 }, (_, i) => store.commit(image.manifestDigest, { reference: parseImageReference(`app:v${i}`) })));
  const record = await store.get('app:v0');
  t.is(record.references.length, 12);
});

test('rm untags while other names remain, then deletes the image and the blobs and layers only it used', async (t) => {
  const { store, image } = await storeLayout(t);
  await store.commit(image.manifestDigest, { reference: parseImageReference('one') });
  await store.commit(image.manifestDigest, { reference: parseImageReference('two') });
  // A second image sharing the busybox base layer.
  const extra = rawLayer([{ header: { name: 'extra.txt', type: 'file' }, data: 'extra' }]);
  const other = buildBusyboxOciLayout(path.join(store.layout.imagesDir, '..', '..', 'layout2'), { extraLayers: [extra] });
  await addLayoutBlobs(store, path.join(store.layout.imagesDir, '..', '..', 'layout2'));
  await store.commit(other.manifestDigest, { reference: parseImageReference('three') });
  t.deepEqual(await store.remove('one'), { untagged: ['docker.io/library/one:latest'], deleted: [] });
  await t.throwsAsync(store.remove('one'), { message: /no such image: one/ });
  t.deepEqual(await store.remove('two'), { untagged: ['docker.io/library/two:latest'], deleted: [image.manifestDigest] });
  t.false(await store.blobs.has(image.manifestDigest));
  t.true(await store.blobs.has(image.layers[0]?.digest ?? ''));
  t.deepEqual((await store.layers.list()).sort(), chainIdsOf(other.diffIds).sort());
  await store.remove('three');
  t.deepEqual(readdirSync(store.layout.blobsDir), []);
  t.deepEqual(await store.layers.list(), []);
  t.deepEqual((await checkImageStore(store)).problems, []);
});

test('rm refuses an image a container uses; -f drops its references but keeps its layers', async (t) => {
  const inUse = new Set<string>();
  const { store, image } = await storeLayout(t, {}, inUse);
  await store.commit(image.manifestDigest, { reference: parseImageReference('busy') });
  inUse.add(image.configDigest);
  await t.throwsAsync(store.remove('busy'), { message: /image busy is used by a container/ });
  t.deepEqual(await store.remove('busy', { force: true }), { untagged: ['docker.io/library/busy:latest'], deleted: [] });
  const record = await store.get(image.configDigest);
  t.deepEqual(record.references, []);
  t.is((await store.prune()).deletedImages.length, 0);
  inUse.clear();
  t.deepEqual((await store.prune()).deletedImages, [image.manifestDigest]);
  t.deepEqual(await store.layers.list(), []);
});

test('an image ID with several names is only removed with -f', async (t) => {
  const { store, image } = await storeLayout(t);
  await store.commit(image.manifestDigest, { reference: parseImageReference('a') });
  await store.commit(image.manifestDigest, { reference: parseImageReference('b') });
  await t.throwsAsync(store.remove(image.configDigest.slice(7, 19)), { message: /referenced by 2 names/ });
  t.is((await store.remove(image.configDigest.slice(7, 19), { force: true })).deleted.length, 1);
  t.deepEqual(await store.list(), []);
});

test('inspect uses Docker’s field names', async (t) => {
  const { store, image } = await storeLayout(t, { config: { Cmd: ['httpd', '-f'], ExposedPorts: { '80/tcp': {} } } });
  const record = await store.commit(image.manifestDigest, { reference: parseImageReference('localhost:5000/web:1.0'), repoDigest: `localhost:5000/web@${image.manifestDigest}` });
  const inspected = await inspectImage(store, record);
  t.like(inspected, {
    Id: image.configDigest,
    RepoTags: ['localhost:5000/web:1.0'],
    RepoDigests: [`localhost:5000/web@${image.manifestDigest}`],
    Architecture: 'amd64',
    Os: 'linux',
    Config: { Cmd: ['httpd', '-f'], ExposedPorts: { '80/tcp': {} } },
    RootFS: { Type: 'layers', Layers: image.diffIds },
    Size: image.layerTars.length > 0 ? inspected['Size'] : 0,
  });
  t.true((inspected['Size'] as number) > 1_900_000);
  t.is(inspected['Created'], image.config.created);
});

test('check reports a corrupt blob, a missing layer directory, a dangling reference and an index pointing at a missing manifest', async (t) => {
  const { store, image } = await storeLayout(t);
  const record = await store.commit(image.manifestDigest, { reference: parseImageReference('busybox') });
  t.deepEqual(await checkImageStore(store), { problems: [], checked: { blobs: 5, layers: 3, images: 1, references: 1 } });
  writeFileSync(store.blobs.pathOf(image.layers[1]?.digest ?? ''), 'corrupt');
  rmSync(store.layers.dirOf(record.chainIds[2] ?? ''), { recursive: true });
  const index = JSON.parse(readFileSync(store.layout.indexFile, 'utf8')) as { references: Record<string, string> };
  index.references['docker.io/library/ghost:latest'] = `sha256:${'0'.repeat(64)}`;
  writeFileSync(store.layout.indexFile, JSON.stringify({ ...index, version: 1, images: { ...JSON.parse(readFileSync(store.layout.indexFile, 'utf8')).images, [`sha256:${'1'.repeat(64)}`]: { id: 'x', repoDigests: [], added: '' } } }));
  const { problems } = await checkImageStore(store);
  t.deepEqual(problems.sort(), [
    `blob ${image.layers[1]?.digest}: content does not match its digest`,
    `image ${image.manifestDigest}: unpacked layer ${record.chainIds[2]} is missing`,
    `image sha256:${'1'.repeat(64)}: manifest blob is missing`,
    `reference docker.io/library/ghost:latest: points at sha256:${'0'.repeat(64)}, which is not an image in the index`,
  ].sort());
});
