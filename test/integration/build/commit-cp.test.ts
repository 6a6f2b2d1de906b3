import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { openImageStore } from '../../../src/image/image-store.js';
import { TarReader } from '../../../src/image/tar-reader.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

const COMPOSE = `name: bd-cp
services:
  app:
    image: busybox
    command: ["sleep", "3600"]
    volumes: ["data:/data"]
volumes:
  data: {}
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.102.0/24 }]
`;

test('cp copies both ways, into volumes too, and symlinks in the container never lead to host files', async (t) => {
  const cli = await cliFixture(t, COMPOSE, 'bd-cp');
  t.is((await cli.run('up', '-d', '--wait')).code, 0);
  const setup = await cli.run('exec', '-T', 'app', 'sh', '-c', 'echo inside > /etc/inside.txt && ln -s /etc /abs-etc && ln -s ../../../../../../../../tmp /up-tmp && mkdir -p /tree/sub && echo leaf > /tree/sub/leaf.txt');
  t.is(setup.code, 0, setup.stderr);
  const out = path.join(cli.dir, 'out');
  await mkdir(out);
  // Out of the container: /abs-etc/passwd is the container's passwd, not the host's.
  t.is((await cli.run('cp', 'app:/abs-etc/passwd', path.join(out, 'passwd'))).code, 0);
  const copied = await readFile(path.join(out, 'passwd'), 'utf8');
  t.not(copied, readFileSync('/etc/passwd', 'utf8'), 'not the host passwd');
  t.regex(copied, /^root:x:0:0:root:\/root:\/bin\/sh\napp:x:1000/);
  t.is((await cli.run('cp', 'app:/tree', out)).code, 0);
  t.is(await readFile(path.join(out, 'tree/sub/leaf.txt'), 'utf8'), 'leaf\n');
  t.is((await cli.run('cp', 'app:/tree/.', path.join(out, 'flat'))).code, 0);
  t.is(await readFile(path.join(out, 'flat/sub/leaf.txt'), 'utf8'), 'leaf\n');
  // Into the container: through a symlink, the write stays inside it.
  const marker = `bd-cp-marker-${process.pid}`;
  await writeFile(path.join(cli.dir, marker), 'from the host\n');
  t.is((await cli.run('cp', path.join(cli.dir, marker), 'app:/up-tmp/')).code, 0);
  t.false(existsSync(path.join('/tmp', marker)), 'nothing was written to the host /tmp');
  const inside = await cli.run('exec', '-T', 'app', 'cat', `/tmp/${marker}`);
  t.is(inside.stdout, 'from the host\n');
  t.is((await cli.run('cp', path.join(cli.dir, marker), 'app:/abs-etc/copied.txt')).code, 0);
  t.false(existsSync('/etc/copied.txt'));
  t.is((await cli.run('exec', '-T', 'app', 'cat', '/etc/copied.txt')).stdout, 'from the host\n');
  // Into a volume: the container sees it at once.
  t.is((await cli.run('cp', path.join(cli.dir, marker), 'app:/data/in-volume.txt')).code, 0);
  t.is((await cli.run('exec', '-T', 'app', 'cat', '/data/in-volume.txt')).stdout, 'from the host\n');
  const refused = await cli.run('cp', 'app:/missing', out);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /could not find app|could not find bd-cp-app-1:\/missing/);
  const both = await cli.run('cp', 'a.txt', 'b.txt');
  t.regex(both.stderr, /exactly one of the two/);
});

test('commit makes an image of the container\'s changes, without the runtime\'s mount points, with config changes', async (t) => {
  const cli = await cliFixture(t, COMPOSE.replace('bd-cp', 'bd-commit').replace('10.240.102.0', '10.240.103.0'), 'bd-commit');
  t.is((await cli.run('up', '-d', '--wait')).code, 0);
  t.is((await cli.run('exec', '-T', 'app', 'sh', '-c', 'echo committed > /etc/committed.txt && rm /etc/app.conf && echo vol > /data/v.txt')).code, 0);
  const committed = await cli.run('commit', '-m', 'a test commit', '-c', 'CMD ["cat", "/etc/committed.txt"]', 'app', 'bd-committed:1');
  t.is(committed.code, 0, committed.stderr);
  t.regex(committed.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const store = await openImageStore(cli.paths);
  const image = await store.get('bd-committed:1');
  t.deepEqual(image.config.config?.Cmd, ['cat', '/etc/committed.txt']);
  t.is(image.config.history?.at(-1)?.comment, 'a test commit');
  const names: string[] = [];
  const reader = new TarReader(store.blobs.stream(image.manifest.layers.at(-1)?.digest ?? ''));
  for (let entry = await reader.next(); entry; entry = await reader.next()) names.push(entry.name);
  t.true(names.includes('etc/committed.txt'));
  t.true(names.includes('etc/.wh.app.conf'));
  t.false(names.some((name) => /^(proc|sys|dev|data)\//.test(name) || name === 'etc/hosts' || name === 'etc/resolv.conf'), names.join(' '));
  const view = await withSnapshot(store, image.chainIds, async ({ merged }) => [readFileSync(path.join(merged, 'etc/committed.txt'), 'utf8'), existsSync(path.join(merged, 'etc/app.conf'))]);
  t.deepEqual(view, ['committed\n', false]);
});
