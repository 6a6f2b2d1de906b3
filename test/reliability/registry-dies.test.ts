// A registry that dies halfway through a pull: the `up` that pulls fails with the truncation named and
// keeps no partial blob; once the registry serves again, the same `up` converges and `down` leaves nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { closeIdleRegistryConnections } from '../../src/image/registry/registry-http.js';
import { cliFixture } from '../helpers/cli-fixture.js';
import { buildBusyboxOciLayout, rawLayer } from '../helpers/test-image.js';
import { assertNothingLeft } from './leftovers.js';

test.after.always(() => closeIdleRegistryConnections());

test('a registry that dies halfway through a layer: up fails and keeps nothing partial; when it is back, up converges', async (t) => {
  t.timeout(120_000);
  // busybox plus a 4 MiB layer of random bytes (incompressible): that layer is where the registry dies.
  const layout = mkdtempSync(path.join(tmpdir(), 'rs-dies-layout-'));
  t.teardown(() => rmSync(layout, { recursive: true, force: true }));
  const image = buildBusyboxOciLayout(layout, { extraLayers: [rawLayer([{ header: { name: 'noise.bin', type: 'file', mtime: 1_700_000_000 }, data: randomBytes(4 << 20) }])] });
  const blob = (digest: string): Buffer => readFileSync(path.join(layout, 'blobs', 'sha256', digest.slice(7)));
  const bigLayer = image.layers.at(-1)?.digest ?? '';

  let dying = true;
  let deaths = 0;
  const server = http.createServer((request, response) => {
    const url = request.url ?? '';
    if (url === '/v2/') return void response.writeHead(200).end('{}');
    if (/^\/v2\/rs\/dies\/manifests\//.test(url)) {
      const manifest = blob(image.manifestDigest);
      return void response.writeHead(200, { 'content-type': image.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', 'content-length': manifest.length }).end(request.method === 'HEAD' ? undefined : manifest);
    }
    const digest = /^\/v2\/rs\/dies\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    if (digest === undefined) return void response.writeHead(404).end();
    const data = blob(digest);
    response.writeHead(200, { 'content-length': data.length });
    if (dying && digest === bigLayer) {
      deaths += 1;
      response.write(data.subarray(0, data.length >> 1), () => response.socket?.destroy());
      return;
    }
    response.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { paths, run } = await cliFixture(t, `name: rs-dies
services:
  app:
    image: ${host}/rs/dies:1
    init: true
    command: ["sleep", "3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.176.0/24 }]
`, 'rs-dies');
  const failed = await run('up', '-d');
  t.is(failed.code, 1, failed.stderr);
  t.regex(failed.stderr, /^error: up failed: service app: .*was truncated: \d+ of \d+ bytes arrived/m);
  t.true(deaths >= 1);
  // Nothing partial: no temp file, no blob of the half layer, the store sound.
  t.deepEqual(await readdir(path.join(paths.root, 'images', 'tmp')).catch(() => []), []);
  t.is((await run('image', 'check')).code, 0);
  t.notRegex((await run('image', 'ls')).stdout, /rs\/dies/);

  dying = false;
  const converged = await run('up', '--wait');
  t.is(converged.code, 0, converged.stderr);
  t.regex((await run('image', 'ls')).stdout, /rs\/dies/);
  t.is((await run('down', '-v', '-t', '0')).code, 0);
  await assertNothingLeft(t, { paths, subnetPrefixes: ['10.240.176.'], projects: ['rs-dies'] });
  t.is((await run('image', 'check')).code, 0);
});
