// Hostile and broken registries (a small real HTTP server in the test): each answer ends in a clear error and nothing half-written.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { SystemError, UserError } from '../../../src/errors.js';
import { MEDIA_TYPE } from '../../../src/image/media-types.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { fetchImageBlobs } from '../../../src/image/registry/pull-image.js';
import { RegistryClient } from '../../../src/image/registry/registry-client.js';
import { closeIdleRegistryConnections } from '../../../src/image/registry/registry-http.js';
import { freePort } from '../../helpers/registry-server.js';
import { testBlobStore } from './registry-fixtures.js';

test.after.always(() => closeIdleRegistryConnections());

const anonymous = { credentials: async () => undefined };
const digestOf = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
const layer = Buffer.alloc(256 * 1024, 7);
const otherLayer = Buffer.alloc(256 * 1024, 8);

function manifestOf(layers: { data: Buffer; digest?: string }[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociConfig, digest: digestOf(config), size: config.length },
      layers: layers.map(({ data, digest }) => ({ mediaType: MEDIA_TYPE.ociLayerGzip, digest: digest ?? digestOf(data), size: data.length })),
    }),
  );
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

async function serve(t: ExecutionContext, handler: Handler): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A registry serving `manifest` for every tag, `config`, and `blobs` by digest; `blobHandler` may override a blob's answer. */
function registryHandler(manifest: Buffer, contentType: string, blobs: Map<string, Buffer>, blobHandler?: (digest: string, response: http.ServerResponse) => boolean): Handler {
  return (request, response) => {
    const url = request.url ?? '';
    if (url === '/v2/') return void response.writeHead(200).end('{}');
    const manifestMatch = /^\/v2\/.+\/manifests\/(.+)$/.exec(url);
    if (manifestMatch) return void response.writeHead(200, { 'content-type': contentType, 'content-length': manifest.length }).end(request.method === 'HEAD' ? undefined : manifest);
    const blobMatch = /^\/v2\/.+\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url);
    const digest = blobMatch?.[1];
    if (digest !== undefined) {
      if (blobHandler?.(digest, response)) return;
      const data = blobs.get(digest);
      if (data === undefined) return void response.writeHead(404).end();
      return void response.writeHead(200, { 'content-length': data.length }).end(data);
    }
    response.writeHead(404).end();
  };
}

async function storeIsClean(t: ExecutionContext, blobs: Awaited<ReturnType<typeof testBlobStore>>, absent: string[]): Promise<void> {
  for (const digest of absent) t.false(await blobs.has(digest), `${digest} must not be stored`);
  t.deepEqual(readdirSync(blobs.layout.tempDir), [], 'no temp file left behind');
}

test('a blob whose content does not match its digest is refused and not stored', async (t) => {
  const lying = digestOf('something else');
  const blobsServed = new Map([[digestOf(config), config], [lying, layer]]);
  const host = await serve(t, registryHandler(manifestOf([{ data: layer, digest: lying }]), MEDIA_TYPE.ociManifest, blobsServed));
  const blobs = await testBlobStore(t);
  const error = await t.throwsAsync(fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, anonymous), { instanceOf: UserError });
  t.regex(error?.message ?? '', /digest mismatch/);
  t.regex(error?.message ?? '', new RegExp(host));
  await storeIsClean(t, blobs, [lying]);
});

test('a truncated download (connection closed early) is a clear error and leaves nothing', async (t) => {
  const blobsServed = new Map([[digestOf(config), config], [digestOf(layer), layer]]);
  const host = await serve(
    t,
    registryHandler(manifestOf([{ data: layer }]), MEDIA_TYPE.ociManifest, blobsServed, (digest, response) => {
      if (digest !== digestOf(layer)) return false;
      response.writeHead(200, { 'content-length': layer.length });
      response.write(layer.subarray(0, 1000), () => response.socket?.destroy());
      return true;
    }),
  );
  const blobs = await testBlobStore(t);
  const error = await t.throwsAsync(fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, anonymous), { instanceOf: SystemError });
  // The client may see the reset before or after the first 1000 bytes: either way it is truncated.
  const arrived = /download of blob sha256:[a-f0-9]{64} of 127\.0\.0\.1:\d+\/app was truncated: (\d+) of 262144 bytes arrived/.exec(
    error?.message ?? '',
  );
  t.truthy(arrived, error?.message);
  t.true(Number(arrived?.[1]) <= 1000);
  await storeIsClean(t, blobs, [digestOf(layer)]);
});

test('a body that ends cleanly but short (no Content-Length) is reported as truncated', async (t) => {
  const blobsServed = new Map([[digestOf(config), config], [digestOf(layer), layer]]);
  const host = await serve(
    t,
    registryHandler(manifestOf([{ data: layer }]), MEDIA_TYPE.ociManifest, blobsServed, (digest, response) => {
      if (digest !== digestOf(layer)) return false;
      response.writeHead(200); // chunked, ends properly, but with half the bytes
      response.end(layer.subarray(0, layer.length / 2));
      return true;
    }),
  );
  const blobs = await testBlobStore(t);
  const error = await t.throwsAsync(fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, anonymous), { instanceOf: SystemError });
  t.regex(error?.message ?? '', /was truncated: 131072 of 262144 bytes arrived$/);
  await storeIsClean(t, blobs, [digestOf(layer)]);
});

test('requests to one registry reuse a keep-alive connection', async (t) => {
  const blobsServed = new Map([[digestOf(config), config], [digestOf(layer), layer], [digestOf(otherLayer), otherLayer]]);
  let connections = 0;
  const server = http.createServer(registryHandler(manifestOf([{ data: layer }, { data: otherLayer }]), MEDIA_TYPE.ociManifest, blobsServed));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const blobs = await testBlobStore(t);
  await fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, { ...anonymous, concurrency: 1 });
  t.is(connections, 1, 'manifest, config and two layers over one connection');
});

test('a blob longer than its descriptor is refused before it is all read', async (t) => {
  const blobsServed = new Map([[digestOf(config), config], [digestOf(layer), layer]]);
  const host = await serve(
    t,
    registryHandler(manifestOf([{ data: layer }]), MEDIA_TYPE.ociManifest, blobsServed, (digest, response) => {
      if (digest !== digestOf(layer)) return false;
      response.writeHead(200); // chunked: no length to check up front
      response.end(Buffer.concat([layer, otherLayer]));
      return true;
    }),
  );
  const blobs = await testBlobStore(t);
  const error = await t.throwsAsync(fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, anonymous), { instanceOf: UserError });
  t.regex(error?.message ?? '', /longer than the 262144 bytes|larger than its declared size/);
  await storeIsClean(t, blobs, [digestOf(layer)]);
});

test('an oversized manifest is refused, with or without a Content-Length', async (t) => {
  const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
  const withLength = await serve(t, registryHandler(huge, MEDIA_TYPE.ociManifest, new Map()));
  const chunked = await serve(t, (request, response) => {
    if (request.url === '/v2/') return void response.writeHead(200).end();
    response.writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest });
    response.end(huge);
  });
  for (const host of [withLength, chunked]) {
    const client = await RegistryClient.connect(host, anonymous);
    const error = await t.throwsAsync(client.getManifest('app', '1'), { instanceOf: UserError });
    t.regex(error?.message ?? '', /manifest of 127\.0\.0\.1:\d+\/app:1 is (5242880 bytes, )?more than the 4194304-byte limit/);
  }
});

test('an unknown manifest media type is refused by name', async (t) => {
  const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'app', tag: '1', fsLayers: [] }));
  const host = await serve(t, registryHandler(schema1, 'application/vnd.docker.distribution.manifest.v1+prettyjws', new Map()));
  const blobs = await testBlobStore(t);
  const error = await t.throwsAsync(fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, anonymous), { instanceOf: UserError });
  t.regex(error?.message ?? '', /unsupported media type "application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws"/);
});

test('an index without linux/amd64 names the platforms it has', async (t) => {
  const arm = manifestOf([{ data: layer }]);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociIndex,
      manifests: [
        { mediaType: MEDIA_TYPE.ociManifest, digest: digestOf(arm), size: arm.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: MEDIA_TYPE.ociManifest, digest: digestOf(arm), size: arm.length, platform: { os: 'windows', architecture: 'amd64' } },
      ],
    }),
  );
  const host = await serve(t, registryHandler(index, MEDIA_TYPE.ociIndex, new Map()));
  const blobs = await testBlobStore(t);
  const error = await t.throwsAsync(fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, anonymous), { instanceOf: UserError });
  t.regex(error?.message ?? '', /has no image for linux\/amd64/);
  t.is(error instanceof UserError ? error.hint : '', 'it has: linux/arm64/v8, windows/amd64');
});

test('an index picks linux/amd64 (another platform when asked), and a blob GET follows a redirect to another host without the Authorization header', async (t) => {
  const amd = manifestOf([{ data: layer }]);
  const arm = manifestOf([{ data: otherLayer }]);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.dockerManifestList,
      manifests: [
        { mediaType: MEDIA_TYPE.ociManifest, digest: digestOf(arm), size: arm.length, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: MEDIA_TYPE.ociManifest, digest: digestOf(amd), size: amd.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }),
  );
  const storageAuth: (string | undefined)[] = [];
  const storage = await serve(t, (request, response) => {
    storageAuth.push(request.headers.authorization);
    response.writeHead(200, { 'content-length': layer.length }).end(layer);
  });
  const host = await serve(t, (request, response) => {
    const url = request.url ?? '';
    if (request.headers.authorization !== 'Basic dTpw') return void response.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
    if (url.endsWith(`/manifests/1`)) return void response.writeHead(200, { 'content-type': MEDIA_TYPE.dockerManifestList }).end(index);
    if (url.endsWith(`/manifests/${digestOf(amd)}`)) return void response.writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest }).end(amd);
    if (url.endsWith(`/manifests/${digestOf(arm)}`)) return void response.writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest }).end(arm);
    if (url.endsWith(`/blobs/${digestOf(otherLayer)}`)) return void response.writeHead(200).end(otherLayer);
    if (url.endsWith(`/blobs/${digestOf(config)}`)) return void response.writeHead(200).end(config);
    if (url.endsWith(`/blobs/${digestOf(layer)}`)) return void response.writeHead(307, { location: `http://${storage}/signed/layer?sig=1` }).end();
    response.writeHead(404).end();
  });
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, { credentials: async () => ({ username: 'u', password: 'p' }) });
  t.is(fetched.manifestDigest, digestOf(amd));
  t.is(fetched.repoDigest, `${host}/app@${digestOf(index)}`);
  t.true(await blobs.has(digestOf(layer)));
  t.true(await blobs.has(digestOf(index)), 'the index is kept beside the manifest');
  t.deepEqual(storageAuth, [undefined]);
  // Another platform, when asked for, gets its own manifest.
  const arm64 = await fetchImageBlobs(parseImageReference(`${host}/app:1`), blobs, { credentials: async () => ({ username: 'u', password: 'p' }), platform: { os: 'linux', architecture: 'arm64' } });
  t.is(arm64.manifestDigest, digestOf(arm));
  t.true(await blobs.has(digestOf(otherLayer)));
});

test('an unreachable registry (closed port) fails at once with a clear error', async (t) => {
  const port = await freePort();
  const client = await RegistryClient.connect(`127.0.0.1:${port}`, anonymous);
  const started = Date.now();
  const error = await t.throwsAsync(client.ping(), { instanceOf: SystemError });
  t.true(Date.now() - started < 10_000);
  t.is(error?.message, `cannot reach registry 127.0.0.1:${port}: connection refused`);
});

test('a registry that accepts the connection but never answers times out', async (t) => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = await RegistryClient.connect(host, { ...anonymous, timeouts: { connectMs: 1000, idleMs: 500 } });
  const started = Date.now();
  const error = await t.throwsAsync(client.ping(), { instanceOf: SystemError });
  t.true(Date.now() - started < 10_000);
  t.regex(error?.message ?? '', /cannot reach registry 127\.0\.0\.1:\d+: no answer within 500 ms/);
});

test('a keep-alive connection the server dropped is replaced for a GET, not reported', async (t) => {
  // A raw server: each connection answers its first request, and resets on the second, as a server whose idle timeout just fired.
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    let requests = 0;
    socket.on('data', (data) => {
      if (!data.toString('latin1').includes('\r\n\r\n')) return;
      requests++;
      if (requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}');
      else socket.resetAndDestroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const client = await RegistryClient.connect(`127.0.0.1:${(server.address() as AddressInfo).port}`, anonymous);
  await client.ping();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the first socket is back in the pool
  await client.ping();
  t.is(sockets.length, 2, 'the second ping went over a new connection');
});
