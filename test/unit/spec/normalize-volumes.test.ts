import test from 'ava';
import { parse } from 'yaml';
import type { Warning } from '../../../src/errors.js';
import { normalizeProject } from '../../../src/spec/normalize/normalize-project.js';
import { normalizeYaml } from './normalize-helpers.js';

const project = (yaml: string) => normalizeYaml(yaml, { homeDir: '/home/ann' });


test('a relative bind source resolves against the project directory and keeps its options', async (t) => {
  const { services } = await project('services: {web: {image: nginx, volumes: ["./data:/data:ro,z"]}}');
  t.deepEqual(services.web!.volumes, [
    { type: 'bind', source: '/srv/demo/data', target: '/data', read_only: true, bind: { selinux: 'z' } },
  ]);
});

test('a ~ bind source expands to the home directory', async (t) => {
  const { services } = await project('services: {web: {image: nginx, volumes: ["~/cache:/cache"]}}');
  t.is(services.web!.volumes![0]!.source, '/home/ann/cache');
});

test('a named volume in short syntax refers to the top-level volume, named <project>_<key>', async (t) => {
  const result = await project(
    'services: {db: {image: pg, volumes: ["dbdata:/var/lib/db:nocopy"]}}\nvolumes: {dbdata: }',
  );
  t.deepEqual(result.services.db!.volumes, [
    { type: 'volume', source: 'dbdata', target: '/var/lib/db', volume: { nocopy: true } },
  ]);
  t.deepEqual(result.volumes, { dbdata: { name: 'demo_dbdata' } });
});

test('long syntax: target cleaned, create_host_path true omitted, false kept, tmpfs size in bytes', async (t) => {
  const { services } = await project(`
services:
  web:
    image: nginx
    volumes:
      - {type: bind, source: ../shared, target: /shared/, bind: {create_host_path: true, propagation: rshared}}
      - {type: bind, source: /etc/app, target: /app, read_only: false, bind: {create_host_path: false}}
      - {type: tmpfs, target: /run/cache, tmpfs: {size: 64m, mode: 1777}}
      - {type: volume, target: /anon}
`);
  t.deepEqual(services.web!.volumes, [
    { type: 'bind', source: '/srv/shared', target: '/shared', bind: { propagation: 'rshared' } },
    { type: 'bind', source: '/etc/app', target: '/app', bind: { create_host_path: false } },
    { type: 'tmpfs', target: '/run/cache', tmpfs: { size: 67108864, mode: 1777 } },
    { type: 'volume', target: '/anon' },
  ]);
});

test('a bind mount without a source fails at the item', async (t) => {
  const error = await t.throwsAsync(
    project('services: {web: {image: nginx, volumes: [{type: bind, target: /x}]}}'),
  );
  t.regex(error.message, /needs a source/);
  t.is((error as { keyPath?: string }).keyPath, 'services.web.volumes[0]');
});

test('top-level volumes: external keeps its key as name, name wins, labels become a map', async (t) => {
  const { volumes } = await project(`
services: {}
volumes:
  ext: {external: true}
  named: {name: custom, labels: [a=1, b]}
  local: {driver: local, driver_opts: {type: none, o: bind, device: ./store}}
`);
  t.deepEqual(volumes, {
    ext: { name: 'ext', external: true },
    local: {
      name: 'demo_local',
      driver: 'local',
      driver_opts: { device: '/srv/demo/store', o: 'bind', type: 'none' },
    },
    named: { name: 'custom', labels: { a: '1', b: '' } },
  });
});

test('an external volume with a driver is an error, as compose has it', async (t) => {
  const error = await t.throwsAsync(project('services: {}\nvolumes: {v: {external: true, driver: local}}'));
  t.regex(error.message, /conflicting parameters "external" and "driver" specified/);
});

test('the deprecated external.name becomes the name and warns', async (t) => {
  const warnings: Warning[] = [];
  const result = await normalizeProject(parse('services: {}\nvolumes: {v: {external: {name: real}}}'), {
    projectName: 'demo',
    projectDir: '/srv/demo',
    lookup: () => undefined,
    warnings,
  });
  t.deepEqual(result.volumes, { v: { name: 'real', external: true } });
  t.is(warnings.length, 1);
  t.regex(warnings[0]!.message, /external\.name is deprecated/);
});
