import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { saveImages } from '../../../src/image/archive-export.js';
import { loadImages } from '../../../src/image/archive-import.js';
import { openImageStore } from '../../../src/image/image-store.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { pushImage } from '../../../src/image/registry/push-image.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { startRegistry } from '../../helpers/registry-server.js';
import { skopeo } from '../registry/registry-fixtures.js';
import { buildFixture } from './build-fixture.js';

const anonymous = { credentials: async () => undefined };

test('FROM an image that is only in a registry pulls it through the registry client; --pull pulls again', async (t) => {
  const fixture = await buildFixture(t);
  const registry = await startRegistry(t);
  const remote = `${registry.host}/bd/busybox:1`;
  await pushImage(fixture.busybox, parseImageReference(remote), fixture.store.blobs, anonymous);
  const paths = await tempStatePaths(t, 'bd-pull');
  const empty = await openImageStore(paths);
  const contextDir = await fixture.context({ Dockerfile: `FROM ${remote}\nRUN cat /etc/app.conf > /copy.conf\n` });
  const { image } = await buildImage({ paths, images: empty, registry: anonymous }, { contextDir });
  t.truthy(await empty.find(remote), 'the base image is in the store now');
  t.is(await withSnapshot(empty, image.chainIds, ({ merged }) => Promise.resolve(readFileSync(path.join(merged, 'copy.conf'), 'utf8'))), 'listen=8080\n');
  const again = await buildImage({ paths, images: empty, registry: anonymous }, { contextDir, pull: true });
  t.is(again.image.id, image.id, 'same base after the pull: all steps cached');
  t.is(again.cachedSteps, 1);
});

test('a built image saves to a docker-archive that skopeo reads and another store loads to the same ID; it pushes', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ 'app.txt': 'app', Dockerfile: 'FROM busybox\nCOPY app.txt /app/\nRUN rm /etc/app.conf && echo built > /app/built.txt\nCMD ["cat", "/app/built.txt"]\n' });
  const { image } = await buildImage(fixture.drivers, { contextDir, tags: ['bd-saved:1'] });
  const archive = path.join(path.dirname(fixture.paths.root), 'saved.tar');
  await saveImages(fixture.store, archive, ['bd-saved:1']);
  const inspected = JSON.parse(await skopeo(['inspect', `docker-archive:${archive}`])) as { Layers: string[]; Architecture: string };
  t.is(inspected.Layers.length, image.chainIds.length);
  t.is(inspected.Architecture, 'amd64');
  const other = await openImageStore(await tempStatePaths(t, 'bd-load'));
  const [loaded] = await loadImages(other, archive);
  t.is(loaded?.record.id, image.id);
  const view = await withSnapshot(other, loaded?.record.chainIds ?? [], ({ merged }) =>
    Promise.resolve([readFileSync(path.join(merged, 'app/built.txt'), 'utf8'), existsSync(path.join(merged, 'etc/app.conf'))]),
  );
  t.deepEqual(view, ['built\n', false], 'the whiteout of the deleted file survives save and load');
  const registry = await startRegistry(t);
  await pushImage(image, parseImageReference(`${registry.host}/bd/saved:1`), fixture.store.blobs, anonymous);
  const remote = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/bd/saved:1`])) as { Layers: string[] };
  t.is(remote.Layers.length, image.chainIds.length);
});
