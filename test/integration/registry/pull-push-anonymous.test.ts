// Pull and push against an anonymous docker-registry on 127.0.0.1, cross-checked with skopeo.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { MEDIA_TYPE } from '../../../src/image/media-types.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { fetchImageBlobs, type PullProgressEvent } from '../../../src/image/registry/pull-image.js';
import { pushImage } from '../../../src/image/registry/push-image.js';
import { RegistryClient } from '../../../src/image/registry/registry-client.js';
import { closeIdleRegistryConnections } from '../../../src/image/registry/registry-http.js';
import { startRegistry } from '../../helpers/registry-server.js';
import { pushBusyboxWithSkopeo, skopeo, tempDir, testBlobStore } from './registry-fixtures.js';

test.after.always(() => closeIdleRegistryConnections());

const anonymous = { credentials: async () => undefined };

test('what skopeo pushed, berth pulls with every digest verified, and a second pull downloads nothing', async (t) => {
  const registry = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/library/busybox:1.0`);
  const blobs = await testBlobStore(t);
  const events: PullProgressEvent[] = [];
  const ref = parseImageReference(`${registry.host}/library/busybox:1.0`);
  const fetched = await fetchImageBlobs(ref, blobs, { ...anonymous, onProgress: (event) => events.push(event) });
  t.is(fetched.manifestDigest, built.manifestDigest);
  t.is(fetched.repoDigest, `${registry.host}/library/busybox@${built.manifestDigest}`);
  t.deepEqual(fetched.manifest.layers.map((layer) => layer.digest), built.layers.map((layer) => layer.digest));
  for (const digest of [built.manifestDigest, built.configDigest, ...built.layers.map((layer) => layer.digest)]) t.true(await blobs.verify(digest), digest);
  t.is(fetched.skippedBlobs, 0);
  const totalBytes = built.layers.reduce((sum, layer) => sum + layer.size, 0);
  t.true(fetched.downloadedBytes >= totalBytes);
  // Progress: every layer ends `done` with done === total.
  for (const layer of built.layers) {
    const last = events.filter((event) => event.digest === layer.digest).at(-1);
    t.like(last, { status: 'done', done: layer.size, total: layer.size, kind: 'layer' });
  }
  const again = await fetchImageBlobs(ref, blobs, anonymous);
  t.is(again.downloadedBytes, 0);
  t.is(again.skippedBlobs, built.layers.length + 1);
});

test('what berth pushed, skopeo inspects and copies back with the same digests', async (t) => {
  const source = await startRegistry(t);
  const target = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${source.host}/app:v1`);
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${source.host}/app:v1`), blobs, anonymous);
  const result = await pushImage({ manifestDigest: fetched.manifestDigest, references: [], repoDigests: [] }, parseImageReference(`${target.host}/team/app:v1`), blobs, anonymous);
  t.is(result.digest, built.manifestDigest);
  t.deepEqual({ uploaded: result.uploaded, mounted: result.mounted, skipped: result.skipped }, { uploaded: built.layers.length + 1, mounted: 0, skipped: 0 });
  const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${target.host}/team/app:v1`])) as { Digest: string; Layers: string[] };
  t.is(inspected.Digest, built.manifestDigest);
  t.deepEqual(inspected.Layers, built.layers.map((layer) => layer.digest));
  const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target.host}/team/app:v1`]);
  t.is(raw, (await blobs.read(built.manifestDigest)).toString('utf8'));
  const copy = path.join(tempDir(t, 'copy'), 'oci');
  await skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${target.host}/team/app:v1`, `oci:${copy}:v1`]);
  const index = JSON.parse(readFileSync(path.join(copy, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  t.is(index.manifests[0]?.digest, built.manifestDigest);
  const copiedBlobs = readdirSync(path.join(copy, 'blobs', 'sha256')).map((hex) => `sha256:${hex}`).sort();
  t.deepEqual(copiedBlobs, [built.manifestDigest, built.configDigest, ...built.layers.map((layer) => layer.digest)].sort());
  // Pushing again uploads nothing: every blob is there (HEAD).
  const again = await pushImage({ manifestDigest: fetched.manifestDigest, references: [], repoDigests: [] }, parseImageReference(`${target.host}/team/app:v2`), blobs, anonymous);
  t.deepEqual({ uploaded: again.uploaded, skipped: again.skipped }, { uploaded: 0, skipped: built.layers.length + 1 });
});

test('a push to another repository of the same registry mounts the blobs instead of uploading them', async (t) => {
  const registry = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/base/busybox:1`);
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${registry.host}/base/busybox:1`), blobs, anonymous);
  const image = { manifestDigest: fetched.manifestDigest, references: [`${registry.host}/base/busybox:1`], repoDigests: [fetched.repoDigest] };
  const result = await pushImage(image, parseImageReference(`${registry.host}/team/derived:1`), blobs, anonymous);
  t.deepEqual({ uploaded: result.uploaded, mounted: result.mounted }, { uploaded: 0, mounted: built.layers.length + 1 });
  const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/team/derived:1`])) as { Digest: string };
  t.is(inspected.Digest, built.manifestDigest);
});

test('a chunked upload (PATCH with Content-Range, then PUT) yields the same blobs', async (t) => {
  const registry = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/src:1`);
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${registry.host}/src:1`), blobs, anonymous);
  const result = await pushImage({ manifestDigest: fetched.manifestDigest, references: [], repoDigests: [] }, parseImageReference(`${registry.host}/chunked:1`), blobs, { ...anonymous, chunkSize: 64 * 1024 });
  t.is(result.uploaded, built.layers.length + 1);
  const client = await RegistryClient.connect(registry.host, anonymous);
  for (const layer of built.layers) t.true(await client.hasBlob('chunked', layer.digest));
  const manifest = await client.getManifest('chunked', '1');
  t.is(manifest.digest, built.manifestDigest);
  t.is(manifest.contentType, MEDIA_TYPE.ociManifest);
});

test('a Docker schema2 image (skopeo --format v2s2) pulls with its Docker media types and digest', async (t) => {
  const registry = await startRegistry(t);
  await pushBusyboxWithSkopeo(t, `${registry.host}/docker/busybox:1`, ['--dest-tls-verify=false', '--format', 'v2s2']);
  const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/docker/busybox:1`])) as { Digest: string };
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${registry.host}/docker/busybox:1`), blobs, anonymous);
  t.is(fetched.manifestDigest, inspected.Digest);
  t.is(fetched.manifest.mediaType, MEDIA_TYPE.dockerManifest);
  t.is(fetched.manifest.config.mediaType, MEDIA_TYPE.dockerConfig);
  t.true(fetched.manifest.layers.every((layer) => layer.mediaType === MEDIA_TYPE.dockerLayerGzip));
});

test('an index in the registry resolves to its linux/amd64 manifest; the repo digest is the index digest', async (t) => {
  const registry = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/multi:amd64`);
  const client = await RegistryClient.connect(registry.host, anonymous);
  const manifestSize = (await client.getManifest('multi', 'amd64')).bytes.length;
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociIndex,
      manifests: [
        { mediaType: MEDIA_TYPE.ociManifest, digest: built.manifestDigest, size: manifestSize, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: MEDIA_TYPE.ociManifest, digest: built.manifestDigest, size: manifestSize, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }),
  );
  const indexDigest = await client.putManifest('multi', 'latest', index, MEDIA_TYPE.ociIndex);
  t.is((JSON.parse(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/multi:latest`])) as { manifests: unknown[] }).manifests.length, 2);
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${registry.host}/multi`), blobs, anonymous);
  t.is(fetched.manifestDigest, built.manifestDigest);
  t.is(fetched.repoDigest, `${registry.host}/multi@${indexDigest}`);
  const byDigest = await fetchImageBlobs(parseImageReference(`${registry.host}/multi@${indexDigest}`), blobs, anonymous);
  t.is(byDigest.manifestDigest, built.manifestDigest);
  t.is(byDigest.downloadedBytes, 0);
});
