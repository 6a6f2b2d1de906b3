import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { loadImages } from '../../../src/image/archive-import.js';
import { checkImageStore } from '../../../src/image/image-inspect.js';
import { openImageStore } from '../../../src/image/image-store.js';
import { buildBusyboxDockerArchive, rawLayer } from '../../helpers/test-image.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

const source = (relative: string): string => new URL(`../../../${relative}`, import.meta.url).pathname;

test('a load killed while unpacking leaves no layer, image or reference; check names the leftovers and prune clears them', async (t) => {
  const paths = await tempStatePaths(t);
  const work = path.dirname(paths.root);
  const many = rawLayer(Array.from({ length: 8000 }, (_, i) => ({ header: { name: `data/d${i % 40}/f${i}`, type: 'file' as const }, data: 'x'.repeat(1024) })));
  buildBusyboxDockerArchive(path.join(work, 'big.tar'), { tag: 'big:1', extraLayers: [many] });
  // The child reads the archive from a FIFO that gets only the first half (inside the big layer), so it is
  // surely mid-unpack when it is killed.
  const fifo = path.join(work, 'archive.fifo');
  execFileSync('mkfifo', [fifo]);
  const script = path.join(work, 'load.mts');
  writeFileSync(
    script,
    `import { openImageStore } from ${JSON.stringify(source('src/image/image-store.ts'))};
import { loadImages } from ${JSON.stringify(source('src/image/archive-import.ts'))};
const store = await openImageStore({ root: ${JSON.stringify(paths.root)}, run: ${JSON.stringify(paths.run)} });
await loadImages(store, ${JSON.stringify(fifo)});
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'ignore', cwd: source('') });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const archive = readFileSync(path.join(work, 'big.tar'));
  const feed = createWriteStream(fifo);
  feed.on('error', () => undefined);
  feed.write(archive.subarray(0, Math.floor(archive.length / 2)));
  const tempDir = path.join(paths.root, 'images/tmp');
  const layersDir = path.join(paths.root, 'images/layers');
  const deadline = Date.now() + 20_000;
  const unpacking = (): boolean =>
    existsSync(tempDir) && readdirSync(tempDir).some((name) => name.startsWith('layer-') && existsSync(path.join(tempDir, name, 'diff/data')));
  while (Date.now() < deadline && !unpacking()) await sleep(5);
  t.true(unpacking(), 'the big layer was being unpacked');
  t.is(child.exitCode, null, 'the load was still running when it was killed');
  child.kill('SIGKILL');
  await exited;
  feed.destroy();
  const store = await openImageStore(paths);
  t.deepEqual(await store.list(), []);
  t.false(existsSync(store.layout.indexFile));
  for (const chainId of await store.layers.list()) t.truthy(await store.layers.record(chainId), 'every visible layer is complete');
  const { problems } = await checkImageStore(store);
  t.true(problems.length > 0);
  t.true(problems.every((problem) => /^tmp\/(layer|blob)-\d+-[a-f0-9]+: left over from an interrupted write/.test(problem)), problems.join('\n'));
  await store.prune();
  t.deepEqual(readdirSync(tempDir), []);
  t.deepEqual(readdirSync(layersDir), []);
  t.deepEqual((await checkImageStore(store)).problems, []);
  const [loaded] = await loadImages(store, path.join(work, 'big.tar'));
  t.is(loaded?.reference, 'big:1');
});

test('an index lock left by a killed process is taken over', async (t) => {
  const paths = await tempStatePaths(t);
  const work = path.dirname(paths.root);
  buildBusyboxDockerArchive(path.join(work, 'image.tar'), { tag: 'locked:1' });
  const store = await openImageStore(paths);
  const dead = spawn('true');
  await new Promise((resolve) => dead.once('exit', resolve));
  writeFileSync(store.layout.lockFile, String(dead.pid));
  const [loaded] = await loadImages(store, path.join(work, 'image.tar'));
  t.is(loaded?.reference, 'locked:1');
  t.false(existsSync(store.layout.lockFile));
});
