// Measure: berth pulls a ~100 MB, 5-layer image from a local docker-registry, against `skopeo copy docker://… oci:DIR`; both then `tar -x` the layers.
// Run: node --import tsx test/integration/registry/measure-pull.ts   (not part of the test suite: it takes ~30 s)
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBlobStore } from '../../../src/image/blob-store.js';
import { openImageStore } from '../../../src/image/image-store.js';
import { MEDIA_TYPE } from '../../../src/image/media-types.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { fetchImageBlobs, pullImage } from '../../../src/image/registry/pull-image.js';
import { closeIdleRegistryConnections } from '../../../src/image/registry/registry-http.js';
import { freePort, REGISTRY_BINARY } from '../../helpers/registry-server.js';

const LAYERS = 5;
const LAYER_BYTES = 20 * 1000 * 1000;
const RANDOM_BYTES = 18 * 1000 * 1000;
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 4);

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function buildLayout(dir: string): { compressed: number } {
  mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer): string => {
    const digest = sha256(data);
    writeFileSync(path.join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return digest;
  };
  const layers = [];
  const diffIds = [];
  for (let i = 0; i < LAYERS; i++) {
    const content = mkdtempSync(path.join(tmpdir(), 'berth-measure-layer-'));
    // Mostly incompressible, so the image is ~100 MB on the wire as well as unpacked.
    writeFileSync(path.join(content, `random-${i}.bin`), randomBytes(RANDOM_BYTES));
    const text = `line ${i} of some repetitive text in a layer file\n`;
    writeFileSync(path.join(content, `text-${i}.txt`), text.repeat(Math.ceil((LAYER_BYTES - RANDOM_BYTES) / text.length)).slice(0, LAYER_BYTES - RANDOM_BYTES));
    const tar = execFileSync('tar', ['-C', content, '-cf', '-', '.'], { maxBuffer: 1 << 28 });
    const gz = execFileSync('gzip', ['-1', '-c'], { input: tar, maxBuffer: 1 << 28 });
    rmSync(content, { recursive: true, force: true });
    diffIds.push(sha256(tar));
    layers.push({ mediaType: MEDIA_TYPE.ociLayerGzip, digest: put(gz), size: gz.length });
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config: { mediaType: MEDIA_TYPE.ociConfig, digest: put(config), size: config.length }, layers }));
  const manifestDigest = put(manifest);
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA_TYPE.ociManifest, digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'big' } }] }));
  return { compressed: layers.reduce((sum, layer) => sum + layer.size, 0) };
}

function untarAll(blobPaths: string[], target: string): void {
  for (const [i, blob] of blobPaths.entries()) {
    const dir = path.join(target, `layer-${i}`);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', blob, '-C', dir]);
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'berth-measure-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  writeFileSync(path.join(work, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${work}/storage\nhttp:\n  addr: ${host}\n`);
  const registry = spawn(REGISTRY_BINARY, ['serve', path.join(work, 'config.yml')], { stdio: 'ignore' });
  try {
    for (let i = 0; ; i++) {
      const ready = await fetch(`http://${host}/v2/`).then((response) => response.ok, () => false);
      if (ready) break;
      if (i > 100) throw new Error('docker-registry did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const layout = path.join(work, 'layout');
    const { compressed } = buildLayout(layout);
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:big`, `docker://${host}/bench/big:1`]);
    console.log(`image: ${LAYERS} layers, ${(compressed / 1e6).toFixed(1)} MB compressed, ${((LAYERS * LAYER_BYTES) / 1e6).toFixed(0)} MB unpacked`);
    const berth: number[] = [];
    const berthUntar: number[] = [];
    const skopeo: number[] = [];
    const skopeoUntar: number[] = [];
    const berthFull: number[] = [];
    const berthCpu: number[] = [];
    const skopeoCpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const root = path.join(work, `berth-${round}`);
      let started = performance.now();
      const cpuBefore = process.cpuUsage();
      const blobs = await openBlobStore({ root, run: path.join(root, 'run') });
      const fetched = await fetchImageBlobs(parseImageReference(`${host}/bench/big:1`), blobs, { credentials: async () => undefined, concurrency: CONCURRENCY });
      berth.push(performance.now() - started);
      const cpu = process.cpuUsage(cpuBefore);
      berthCpu.push((cpu.user + cpu.system) / 1000);
      started = performance.now();
      untarAll(fetched.manifest.layers.map((layer) => blobs.pathOf(layer.digest)), path.join(root, 'unpacked'));
      berthUntar.push(performance.now() - started);
      closeIdleRegistryConnections();
      const oci = path.join(work, `skopeo-${round}`);
      started = performance.now();
      // bash's `times` reports the CPU time of its finished children: skopeo's own user + system time.
      const times = execFileSync('bash', ['-c', 'skopeo copy --quiet --src-tls-verify=false "$1" "$2" && times', 'measure', `docker://${host}/bench/big:1`, `oci:${oci}:big`], { encoding: 'utf8' });
      skopeo.push(performance.now() - started);
      const childLine = times.trim().split('\n').at(-1) ?? '';
      const seconds = [...childLine.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
      skopeoCpu.push(seconds * 1000);
      const index = JSON.parse(readFileSync(path.join(oci, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
      const manifest = JSON.parse(readFileSync(path.join(oci, 'blobs', 'sha256', (index.manifests[0]?.digest ?? '').slice(7)), 'utf8')) as { layers: { digest: string }[] };
      started = performance.now();
      untarAll(manifest.layers.map((layer) => path.join(oci, 'blobs', 'sha256', layer.digest.slice(7))), path.join(oci, 'unpacked'));
      skopeoUntar.push(performance.now() - started);
      rmSync(root, { recursive: true, force: true });
      closeIdleRegistryConnections();
      // The whole berth pull: fetch, then the image store's commit (diff_id check and unpack by ChainID).
      const full = path.join(work, `berth-full-${round}`);
      started = performance.now();
      const store = await openImageStore({ root: full, run: path.join(full, 'run') });
      await pullImage(parseImageReference(`${host}/bench/big:1`), store, { credentials: async () => undefined, concurrency: CONCURRENCY });
      berthFull.push(performance.now() - started);
      rmSync(full, { recursive: true, force: true });
      rmSync(oci, { recursive: true, force: true });
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    const ms = (values: number[]): string => `${median(values).toFixed(0)} ms (runs: ${values.map((v) => v.toFixed(0)).join(', ')})`;
    console.log(`berth pull (fetch + verify into the blob store): ${ms(berth)}`);
    console.log(`skopeo copy docker:// → oci:DIR:                 ${ms(skopeo)}`);
    console.log(`tar -x of the layers after berth:                ${ms(berthUntar)}`);
    console.log(`tar -x of the layers after skopeo:               ${ms(skopeoUntar)}`);
    console.log(`berth pullImage (fetch + commit, unpacking):     ${ms(berthFull)}`);
    console.log(`CPU time of the pull (user + system): berth ${ms(berthCpu)}, skopeo ${ms(skopeoCpu)}`);
    console.log(`ratio berth/skopeo (pull only): ${(median(berth) / median(skopeo)).toFixed(2)}; with tar -x: ${((median(berth) + median(berthUntar)) / (median(skopeo) + median(skopeoUntar))).toFixed(2)}; berth pull+commit vs skopeo+tar -x: ${(median(berthFull) / (median(skopeo) + median(skopeoUntar))).toFixed(2)}`);
  } finally {
    registry.kill('SIGTERM');
    await new Promise((resolve) => registry.once('exit', resolve));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
