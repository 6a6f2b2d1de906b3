import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, linkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import { UserError } from '../../../src/errors.js';
import { type ImageStore, openImageStore } from '../../../src/image/image-store.js';
import { MEDIA_TYPE } from '../../../src/image/media-types.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { prepareRootfs, releaseRootfs } from '../../../src/image/rootfs.js';
import { importRootfs } from '../../../src/image/rootfs-import.js';
import { INDEX_HTML, buildBusyboxLayers, writeHostileLayer } from '../../helpers/test-image.js';
import { berthImageCli } from '../../helpers/image-cli.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sha256 = (data: Uint8Array): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function freshStore(t: ExecutionContext): Promise<{ store: ImageStore; work: string; env: Record<string, string> }> {
  const paths = await tempStatePaths(t, 'berth-import');
  return { store: await openImageStore(paths), work: path.dirname(paths.root), env: { BERTH_ROOT: paths.root, BERTH_RUN: paths.run } };
}

function storeContents(store: ImageStore): string[] {
  const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).map((name) => `${path.basename(dir)}/${name}`) : []);
  const index = existsSync(store.layout.indexFile) ? readFileSync(store.layout.indexFile, 'utf8') : '';
  return [...list(store.layout.blobsDir), ...list(store.layout.layersDir), ...list(store.layout.tempDir), index];
}

/** A small rootfs with owners, modes, times, a symlink, a hardlink and a fifo. */
function makeTree(dir: string): void {
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  mkdirSync(path.join(dir, 'home/app'), { recursive: true });
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  writeFileSync(path.join(dir, 'bin/tool'), '#!/bin/sh\necho tool\n');
  chmodSync(path.join(dir, 'bin/tool'), 0o4755);
  symlinkSync('tool', path.join(dir, 'bin/alias'));
  linkSync(path.join(dir, 'bin/tool'), path.join(dir, 'bin/tool-hard'));
  writeFileSync(path.join(dir, 'home/app/notes.txt'), 'mine\n');
  chownSync(path.join(dir, 'home/app/notes.txt'), 1000, 1001);
  chownSync(path.join(dir, 'home/app'), 1000, 1000);
  chmodSync(path.join(dir, 'home/app'), 0o750);
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  execFileSync('mkfifo', [path.join(dir, 'tmp/pipe')]);
  for (const rel of ['home/app/notes.txt', 'bin/tool', 'home/app', 'tmp', 'bin', 'home']) utimesSync(path.join(dir, rel), 1_600_000_000, 1_600_000_000);
}

test('a directory imports as one plain-tar layer with owners, modes, mtimes, links and a fifo kept, the same bytes every time', async (t) => {
  const { store, work } = await freshStore(t);
  const tree = path.join(work, 'tree');
  makeTree(tree);
  const record = await importRootfs(store, tree, { reference: parseImageReference('tree:1') });
  t.deepEqual(record.references, ['docker.io/library/tree:1']);
  t.like(record.config, { architecture: 'amd64', os: 'linux', config: {} });
  t.is(record.config.rootfs.diff_ids.length, 1);
  const [layer] = record.manifest.layers;
  t.is(layer?.mediaType, MEDIA_TYPE.ociLayer);
  t.is(layer?.digest, record.config.rootfs.diff_ids[0], 'a plain tar blob is its own DiffID');
  t.is(record.config.history?.[0]?.comment, `Imported from ${tree}`);
  t.is(record.config.history?.[0]?.created, record.created);
  // GNU tar reads our tar: names sorted depth first, no root entry.
  const listing = execFileSync('tar', ['-tvf', store.blobs.pathOf(layer?.digest ?? ''), '--numeric-owner'], { encoding: 'utf8' });
  t.deepEqual(
    listing.split('\n').filter(Boolean).map((line) => line.split(/\s+/).slice(5).join(' ')),
    ['bin/', 'bin/alias -> tool', 'bin/tool', 'bin/tool-hard link to bin/tool', 'home/', 'home/app/', 'home/app/notes.txt', 'tmp/', 'tmp/pipe'],
  );
  const diff = store.layers.diffDirOf(record.chainIds[0] ?? '');
  const notes = statSync(path.join(diff, 'home/app/notes.txt'));
  t.deepEqual([notes.uid, notes.gid, notes.mtimeMs / 1000], [1000, 1001, 1_600_000_000]);
  t.is(statSync(path.join(diff, 'home/app')).mode & 0o7777, 0o750);
  t.is(statSync(path.join(diff, 'tmp')).mode & 0o7777, 0o1777);
  t.is(statSync(path.join(diff, 'bin/tool')).mode & 0o7777, 0o4755);
  t.is(statSync(path.join(diff, 'bin/tool')).ino, statSync(path.join(diff, 'bin/tool-hard')).ino);
  t.is(readlinkSync(path.join(diff, 'bin/alias')), 'tool');
  t.true(lstatSync(path.join(diff, 'tmp/pipe')).isFIFO());
  const again = await importRootfs(store, tree, { reference: parseImageReference('tree:2') });
  t.is(again.config.rootfs.diff_ids[0], record.config.rootfs.diff_ids[0]);
});

test('a tar file, a gzip tar and a stream import to the same DiffID; gzip keeps its compressed blob', async (t) => {
  const { store, work } = await freshStore(t);
  const [base] = buildBusyboxLayers();
  if (!base) throw new Error('no busybox layer');
  writeFileSync(path.join(work, 'rootfs.tar'), base.tar);
  writeFileSync(path.join(work, 'rootfs.tar.gz'), gzipSync(base.tar, { level: 1 }));
  const plain = await importRootfs(store, path.join(work, 'rootfs.tar'), { reference: parseImageReference('plain:1'), message: 'from a tar' });
  const gzipped = await importRootfs(store, path.join(work, 'rootfs.tar.gz'), { reference: parseImageReference('gz:1') });
  const streamed = await importRootfs(store, Readable.from([base.tar.subarray(0, 1000), base.tar.subarray(1000)]));
  t.deepEqual(
    [plain, gzipped, streamed].map((record) => record.config.rootfs.diff_ids),
    [[sha256(base.tar)], [sha256(base.tar)], [sha256(base.tar)]],
  );
  t.is(plain.config.history?.[0]?.comment, 'from a tar');
  t.is(streamed.config.history?.[0]?.comment, 'Imported from -');
  t.deepEqual(streamed.references, []);
  t.is(gzipped.manifest.layers[0]?.mediaType, MEDIA_TYPE.ociLayerGzip);
  t.is(gzipped.manifest.layers[0]?.digest, sha256(gzipSync(base.tar, { level: 1 })));
  t.deepEqual(gzipped.chainIds, plain.chainIds, 'one unpacked layer shared');
  t.is(readFileSync(path.join(store.layers.diffDirOf(plain.chainIds[0] ?? ''), 'www/index.html'), 'utf8'), INDEX_HTML);
});

test('--change instructions set Cmd, Entrypoint, Env, ExposedPorts, Labels, User, WorkingDir, StopSignal and Volumes', async (t) => {
  const { store, work } = await freshStore(t);
  mkdirSync(path.join(work, 'tree/etc'), { recursive: true });
  const record = await importRootfs(store, path.join(work, 'tree'), {
    changes: [
      'ENTRYPOINT ["/bin/app", "--serve"]',
      'cmd echo "hello world"',
      'ENV PATH=/usr/bin:/bin MODE="fast mode"',
      'ENV LEGACY some value',
      'EXPOSE 80 53/udp 9000-9001',
      'LABEL org.example.team=web "org.example.note=a b"',
      'USER nobody:nogroup',
      'WORKDIR /srv',
      'WORKDIR app',
      'STOPSIGNAL SIGQUIT',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache',
    ],
  });
  t.deepEqual(record.config.config, {
    Entrypoint: ['/bin/app', '--serve'],
    Cmd: ['/bin/sh', '-c', 'echo "hello world"'],
    Env: ['PATH=/usr/bin:/bin', 'MODE=fast mode', 'LEGACY=some value'],
    ExposedPorts: { '80/tcp': {}, '53/udp': {}, '9000/tcp': {}, '9001/tcp': {} },
    Labels: { 'org.example.team': 'web', 'org.example.note': 'a b' },
    User: 'nobody:nogroup',
    WorkingDir: '/srv/app',
    StopSignal: 'SIGQUIT',
    Volumes: { '/data': {}, '/logs': {}, '/cache': {} },
  });
});

test('an instruction --change cannot apply, or a malformed one, is a UserError and stores nothing', async (t) => {
  const { store, work } = await freshStore(t);
  mkdirSync(path.join(work, 'tree'));
  const before = storeContents(store);
  const unknown = await t.throwsAsync(importRootfs(store, path.join(work, 'tree'), { changes: ['CMD ["sh"]', 'RUN rm -rf /'] }));
  t.true(unknown instanceof UserError);
  t.is(unknown?.message, '"RUN" is not an instruction --change can apply');
  t.regex((unknown as UserError).hint ?? '', /use one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR/);
  t.is((unknown as UserError).keyPath, '--change');
  await t.throwsAsync(importRootfs(store, path.join(work, 'tree'), { changes: ['EXPOSE 70000'] }), { instanceOf: UserError, message: /EXPOSE: "70000" is not a port/ });
  await t.throwsAsync(importRootfs(store, path.join(work, 'tree'), { changes: ['STOPSIGNAL SIGNOPE'] }), { instanceOf: UserError, message: /not a signal/ });
  await t.throwsAsync(importRootfs(store, path.join(work, 'tree'), { changes: ['USER'] }), { instanceOf: UserError, message: 'USER needs an argument' });
  await t.throwsAsync(importRootfs(store, path.join(work, 'missing')), { instanceOf: UserError, message: /cannot read .*missing: no such file/ });
  writeFileSync(path.join(work, 'empty.tar'), '');
  await t.throwsAsync(importRootfs(store, path.join(work, 'empty.tar')), { instanceOf: UserError, message: /empty\.tar is empty/ });
  t.deepEqual(storeContents(store), before);
});

test('a hostile tar is refused by the store\'s unpacker and leaves the store and the host as they were', async (t) => {
  const { store, work } = await freshStore(t);
  await importRootfs(store, Readable.from([buildBusyboxLayers()[0]?.tar ?? Buffer.alloc(0)]), { reference: parseImageReference('good:1') });
  const before = storeContents(store);
  const cases = [
    ['dotdot', /points outside the layer \(\.\.\/ escape\)/],
    ['absolute-escape', /points outside the layer/],
    ['symlink-parent', /writes through "link", a symlink/],
    ['symlink-dotdot-parent', /writes through "a\/up", a symlink/],
    ['hardlink-outside', /points outside the layer|not a file inside the layer/],
    ['char-device', /character device/],
  ] as const;
  for (const [kind, message] of cases) {
    const tar = writeHostileLayer(kind).tar;
    writeFileSync(path.join(work, `${kind}.tar.gz`), gzipSync(tar));
    await t.throwsAsync(importRootfs(store, path.join(work, `${kind}.tar.gz`), { reference: parseImageReference(`bad:${kind}`) }), { instanceOf: UserError, message }, kind);
    t.deepEqual(storeContents(store), before, kind);
    t.is(await store.find(`bad:${kind}`), undefined);
  }
  for (const escaped of ['/tmp/escaped-through-symlink', path.join(work, '..', 'escaped-dotdot'), '/escaped-absolute', '/escaped-symlink-dotdot']) t.false(existsSync(escaped), escaped);
});


test('berth image import prints the image ID and image ls shows the reference', async (t) => {
  const { store, work, env } = await freshStore(t);
  makeTree(path.join(work, 'tree'));
  const imported = await berthImageCli(env, work, ['image', 'import', '-c', 'CMD ["sh"]', '--change', 'ENV A=1', '-m', 'by hand', 'tree', 'localhost:5000/tree:v1']);
  t.is(imported.stderr, '');
  t.regex(imported.stdout, /^sha256:[a-f0-9]{64}\n$/);
  const record = await store.get('localhost:5000/tree:v1');
  t.is(imported.stdout, `${record.id}\n`);
  t.deepEqual(record.config.config, { Cmd: ['sh'], Env: ['A=1'] });
  t.is(record.config.history?.[0]?.comment, 'by hand');
  t.regex((await berthImageCli(env, work, ['image', 'ls'])).stdout, new RegExp(`\\nlocalhost:5000/tree +v1 +${record.id.slice(7, 19)} `));
  const bad = await berthImageCli(env, work, ['image', 'import', '-c', 'ONBUILD RUN x', 'tree']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /--change: "ONBUILD" is not an instruction --change can apply/);
  const badName = await berthImageCli(env, work, ['image', 'import', 'tree', 'Tree:1']);
  t.regex(badName.stderr, /repository name must be lowercase/);
});

test('scripts/busybox-image.sh imports busybox:latest once, from busybox-static, and its rootfs runs sh', async (t) => {
  const { store, env } = await freshStore(t);
  const paths = { root: env.BERTH_ROOT ?? '', run: env.BERTH_RUN ?? '' };
  const scriptEnv = { ...process.env, ...env, BERTH_CLI: `node --import tsx ${path.join(repo, 'test/integration/daemon/fixtures/berth-from-source.ts')}` };
  const run = (extra: Record<string, string> = {}): ReturnType<typeof spawnSync> =>
    spawnSync('bash', [path.join(repo, 'scripts/busybox-image.sh')], { env: { ...scriptEnv, ...extra }, encoding: 'utf8', timeout: 20_000 });
  const missing = run({ BERTH_BUSYBOX: '/nonexistent/busybox' });
  t.is(missing.status, 1);
  t.regex(String(missing.stderr), /apt-get install -y busybox-static/);
  const first = run();
  t.is(first.status, 0, String(first.stderr));
  const record = await store.get('busybox');
  t.deepEqual(record.references, ['docker.io/library/busybox:latest']);
  t.is(String(first.stdout), `busybox-image: imported busybox:latest (${record.id})\n`);
  t.deepEqual(record.config.config?.Cmd, ['sh']);
  const second = run();
  t.deepEqual([second.status, String(second.stdout)], [0, ''], 'present already: nothing to do');
  t.is((await store.list()).length, 1);

  const prepared = await prepareRootfs(store, paths, 'busybox-script', record);
  t.teardown(() => releaseRootfs(paths, 'busybox-script'));
  const root = prepared.rootfs;
  t.is(readlinkSync(path.join(root, 'bin/sh')), 'busybox');
  t.is(readlinkSync(path.join(root, 'bin/wget')), 'busybox');
  t.true(readFileSync(path.join(root, 'bin/busybox')).equals(readFileSync('/bin/busybox')));
  t.regex(readFileSync(path.join(root, 'etc/passwd'), 'utf8'), /^root:x:0:0:root:\/root:\/bin\/sh\n[\s\S]*\nnobody:x:65534:65534:/);
  t.regex(readFileSync(path.join(root, 'etc/group'), 'utf8'), /\nnogroup:x:65534:\n/);
  t.is(statSync(path.join(root, 'tmp')).mode & 0o7777, 0o1777);
  for (const applet of ['nc', 'httpd', 'sleep', 'netstat']) t.is(readlinkSync(path.join(root, 'bin', applet)), 'busybox', applet);
  t.is(execFileSync('/usr/sbin/chroot', [root, '/bin/sh', '-c', 'id -un; id -u nobody; echo $((1+1))'], { encoding: 'utf8', env: { PATH: '/bin' } }), 'root\n65534\n2\n');
});
