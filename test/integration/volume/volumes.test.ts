import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { runToExit, runtimeFixture } from '../runtime/runtime-fixture.js';

async function hostDir(t: Parameters<typeof runtimeFixture>[0]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-bind-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a named volume is filled from the image on first use and keeps data across recreate', async (t) => {
  const f = await runtimeFixture(t);
  f.projectVolumes['data'] = {};
  const first = await runToExit(f, {
    user: 'app',
    volumes: [{ type: 'volume', source: 'data', target: '/var/data' }],
    command: ['sh', '-c', 'cat /var/data/seed.txt; stat -c "%u:%g %a" /var/data; echo kept > /var/data/new.txt'],
  });
  t.is(first.exitCode, 0, first.output);
  t.deepEqual(first.output.trim().split('\n'), ['from-image', '1000:1000 755']);
  await f.runtime.delete(first.id);
  const second = await runToExit(f, {
    volumes: [{ type: 'volume', source: 'data', target: '/var/data' }],
    command: ['cat', '/var/data/new.txt'],
  });
  t.is(second.output, 'kept\n');
  const record = await f.volumes.inspect('test_data');
  t.is(record?.driver, 'local');
  t.is(record?.labels['com.docker.compose.volume'], 'data');
  t.is(record?.mountpoint, path.join(f.runtime.paths.root, 'volumes/test_data/_data'));
});

test('volume.nocopy leaves a new volume empty; read_only volumes refuse writes', async (t) => {
  const f = await runtimeFixture(t);
  f.projectVolumes['empty'] = {};
  const { output } = await runToExit(f, {
    volumes: [{ type: 'volume', source: 'empty', target: '/var/data', read_only: true, volume: { nocopy: true } }],
    command: ['sh', '-c', 'ls -A /var/data | wc -l; touch /var/data/x 2>&1'],
  });
  t.regex(output, /^0$/m);
  t.regex(output, /Read-only file system/);
});

test('an external volume must exist', async (t) => {
  const f = await runtimeFixture(t);
  f.projectVolumes['ext'] = { external: true, name: 'shared-ext' };
  await t.throwsAsync(f.create({ volumes: [{ type: 'volume', source: 'ext', target: '/x' }], command: ['true'] }), {
    instanceOf: UserError,
    message: /external volume "shared-ext" not found/,
  });
  await f.volumes.create('shared-ext');
  const { exitCode } = await runToExit(f, { volumes: [{ type: 'volume', source: 'ext', target: '/x' }], command: ['true'] });
  t.is(exitCode, 0);
});

test('bind mounts: short syntax creates a missing host dir; ro and propagation apply', async (t) => {
  const f = await runtimeFixture(t);
  const dir = await hostDir(t);
  await writeFile(path.join(dir, 'hello'), 'host\n');
  const missing = path.join(dir, 'made/by/berth');
  const { id, output } = await runToExit(f, {
    volumes: [
      { type: 'bind', source: dir, target: '/host', read_only: true, bind: { propagation: 'rslave' } },
      { type: 'bind', source: missing, target: '/made', bind: {} },
    ],
    command: ['sh', '-c', 'cat /host/hello; touch /host/x 2>&1; echo made > /made/file; grep -E " /(host|made) " /proc/self/mountinfo'],
  });
  t.regex(output, /^host$/m);
  t.regex(output, /Read-only file system/);
  t.is(await readFile(path.join(missing, 'file'), 'utf8'), 'made\n');
  t.regex(output, / \/host ro,/);
  // The host's /tmp is a private mount, so rslave has no master to follow; the option still reaches runc.
  const config = JSON.parse(await readFile(f.runtime.files(id).configJson, 'utf8')) as { mounts: { destination: string; options: string[] }[] };
  t.deepEqual(config.mounts.find((mount) => mount.destination === '/host')?.options, ['rbind', 'ro', 'rslave']);
});

test('tmpfs mounts with size and mode', async (t) => {
  const f = await runtimeFixture(t);
  const { output } = await runToExit(f, {
    volumes: [{ type: 'tmpfs', target: '/scratch', tmpfs: { size: 1024 * 1024, mode: 0o700 } }],
    command: ['sh', '-c', 'stat -c "%a" /scratch; grep " /scratch " /proc/mounts'],
  });
  t.regex(output, /^700$/m);
  t.regex(output, /tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=700/);
});

test('volumes_from shares another container\'s volumes, read-only when asked', async (t) => {
  const f = await runtimeFixture(t);
  f.projectVolumes['shared'] = {};
  const source = await runToExit(f, {
    volumes: [{ type: 'volume', source: 'shared', target: '/shared' }],
    command: ['sh', '-c', 'echo from-source > /shared/file'],
  });
  const record = await f.runtime.requireRecord(source.id);
  const { resolveServiceMounts } = await import('../../../src/volume/service-mounts.js');
  const { mounts } = await resolveServiceMounts({ volumes_from: ['source:ro'] }, {
    project: 'test', volumes: f.projectVolumes, store: f.volumes, rootfs: f.rootfs,
    volumesFrom: [{ mounts: record.mounts, readOnly: true }],
  });
  const { output } = await runToExit(f, { command: ['sh', '-c', 'cat /shared/file; touch /shared/y 2>&1'] }, { mounts });
  t.regex(output, /from-source/);
  t.regex(output, /Read-only file system/);
});

test('volume ls, inspect, rm (refused while in use) and prune', async (t) => {
  const f = await runtimeFixture(t);
  await f.volumes.create('alpha', { labels: { team: 'a' } });
  await f.volumes.create('beta');
  t.deepEqual((await f.volumes.list()).map((volume) => volume.name), ['alpha', 'beta']);
  t.deepEqual((await f.volumes.list({ labels: { team: 'a' } })).map((volume) => volume.name), ['alpha']);
  await t.throwsAsync(f.volumes.remove('alpha', new Set(['alpha'])), { instanceOf: UserError, message: /in use/ });
  await t.throwsAsync(f.volumes.remove('gamma'), { instanceOf: UserError, message: /no such volume/ });
  t.deepEqual(await f.volumes.prune(new Set(['alpha'])), ['beta']);
  await f.volumes.remove('alpha');
  t.deepEqual(await f.volumes.list(), []);
  await t.throwsAsync(stat(f.volumes.dataPath('alpha')));
  await t.throwsAsync(f.volumes.create('bad/name'), { instanceOf: UserError, message: /invalid volume name/ });
});
