// A registry on loopback that answers each repository with one kind of wrong: the bad-input table
// pulls `<host>/bad/<kind>:1` and expects the error that kind deserves.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MEDIA_TYPE } from '../../src/image/media-types.js';
import { rawLayer } from '../helpers/test-image.js';

export type HostileRegistryKind =
  | 'not-found'
  | 'server-error'
  | 'bad-json'
  | 'unknown-media-type'
  | 'arm-only'
  | 'blob-mismatch'
  | 'config-missing'
  | 'auth-no-challenge'
  | 'token-refused'
  | 'redirect-loop'
  | 'schema1'
  | 'dies-mid-blob'
  | 'huge-manifest';

export interface HostileRegistry {
  /** `127.0.0.1:<port>`, the domain of the references to pull. */
  readonly host: string;
  close(): Promise<void>;
}

const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** One small valid image per kind (its own layer and config, so no row finds another's blobs already stored). */
interface TestBlobs {
  readonly layerTar: Buffer;
  readonly layer: Buffer;
  readonly config: Buffer;
  readonly manifest: Buffer;
  readonly armIndex: Buffer;
}

function blobsOf(kind: string): TestBlobs {
  const layerTar = rawLayer([{ header: { name: 'kind.txt', type: 'file', mtime: 1_700_000_000 }, data: `${kind}\n` }]).tar;
  const layer = gzipSync(layerTar);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/hello'], Labels: { kind } }, rootfs: { type: 'layers', diff_ids: [digestOf(layerTar)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: { mediaType: MEDIA_TYPE.ociConfig, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: MEDIA_TYPE.ociLayerGzip, digest: digestOf(layer), size: layer.length }],
    }),
  );
  const armIndex = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociIndex,
      manifests: [{ mediaType: MEDIA_TYPE.ociManifest, digest: digestOf(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'arm64' } }],
    }),
  );
  return { layerTar, layer, config, manifest, armIndex };
}

function registryError(response: http.ServerResponse, status: number, code: string, message: string, headers: http.OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ errors: [{ code, message }] }));
}

function sendManifest(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer, contentType: string): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': body.length, 'docker-content-digest': digestOf(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function answer(kind: HostileRegistryKind, part: 'manifests' | 'blobs', digest: string | undefined, request: http.IncomingMessage, response: http.ServerResponse, host: string): void {
  const { layerTar, layer, config, manifest, armIndex } = blobsOf(kind);
  switch (kind) {
    case 'not-found':
      return registryError(response, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    case 'server-error':
      return void response.writeHead(500, { 'content-type': 'text/plain' }).end('internal server error');
    case 'auth-no-challenge':
      return registryError(response, 401, 'UNAUTHORIZED', 'authentication required');
    case 'token-refused':
      return registryError(response, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': `Bearer realm="http://${host}/token",service="hostile",scope="repository:bad/token-refused:pull"`,
      });
    default:
      break;
  }
  if (part === 'manifests') {
    switch (kind) {
      case 'bad-json':
        return sendManifest(request, response, Buffer.from('{"schemaVersion": 2, "layers": ['), MEDIA_TYPE.ociManifest);
      case 'unknown-media-type':
        return sendManifest(request, response, Buffer.from('{"schemaVersion": 2}'), 'application/vnd.frob.manifest.v7+json');
      case 'arm-only':
        return sendManifest(request, response, armIndex, MEDIA_TYPE.ociIndex);
      case 'schema1':
        return sendManifest(request, response, Buffer.from('{"schemaVersion": 1, "name": "bad/schema1", "fsLayers": []}'), 'application/vnd.docker.distribution.manifest.v1+prettyjws');
      case 'huge-manifest':
        return sendManifest(request, response, Buffer.concat([Buffer.from('{"schemaVersion": 2, "pad": "'), Buffer.alloc(8 * 1024 * 1024, 'a'), Buffer.from('"}')]), MEDIA_TYPE.ociManifest);
      default:
        return sendManifest(request, response, manifest, MEDIA_TYPE.ociManifest);
    }
  }
  const isLayer = digest === digestOf(layer);
  const isConfig = digest === digestOf(config);
  if (kind === 'config-missing' && isConfig) return registryError(response, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
  if (kind === 'redirect-loop' && isLayer) return void response.writeHead(307, { location: request.url }).end();
  if (kind === 'blob-mismatch' && isLayer) {
    const other = gzipSync(Buffer.alloc(layerTar.length, 1));
    return void response.writeHead(200, { 'content-length': other.length }).end(other);
  }
  if (kind === 'dies-mid-blob' && isLayer) {
    // Half the layer, then the connection is gone: a registry that dies while it sends.
    response.writeHead(200, { 'content-length': layer.length });
    response.write(layer.subarray(0, layer.length >> 1), () => response.socket?.destroy());
    return;
  }
  const data = isLayer ? layer : isConfig ? config : undefined;
  if (data === undefined) return registryError(response, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
  response.writeHead(200, { 'content-length': data.length }).end(request.method === 'HEAD' ? undefined : data);
}

/** Start it on 127.0.0.1 (a free port); `close` ends every connection. */
export async function startHostileRegistry(): Promise<HostileRegistry> {
  let host = '';
  const server = http.createServer((request, response) => {
    const url = request.url ?? '';
    if (url === '/v2/') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (url.startsWith('/token')) return void response.writeHead(403, { 'content-type': 'application/json' }).end('{"details":"access to the requested resource is not authorized"}');
    const match = /^\/v2\/bad\/([a-z0-9-]+)\/(manifests|blobs)\/([^/?]+)/.exec(url);
    if (!match) return registryError(response, 404, 'NAME_UNKNOWN', 'repository name not known to registry');
    answer(match[1] as HostileRegistryKind, match[2] as 'manifests' | 'blobs', match[3], request, response, host);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
