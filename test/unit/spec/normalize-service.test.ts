import test from 'ava';
import type { Warning } from '../../../src/errors.js';
import { projectMeta } from '../../../src/spec/model.js';
import { normalizeProject } from '../../../src/spec/normalize/normalize-project.js';
import { parseComposeText } from '../../../src/spec/parse-yaml.js';
import { normalizeYaml } from './normalize-helpers.js';

const load = (yaml: string, warnings: Warning[] = []) => normalizeYaml(yaml, { warnings });

const web = async (yaml: string) => (await load(yaml)).services.web!;

test('depends_on list becomes service_started, required', async (t) => {
  const result = await load('services: {web: {image: x, depends_on: [db]}, db: {image: y}}');
  t.deepEqual(result.services.web!.depends_on, { db: { condition: 'service_started', required: true } });
});

test('depends_on map keeps condition and restart, defaults required', async (t) => {
  const result = await load(
    'services: {web: {image: x, depends_on: {db: {condition: service_healthy, restart: true}, c: {required: false}}}, db: {image: y}}',
  );
  t.deepEqual(result.services.web!.depends_on, {
    c: { condition: 'service_started', required: false },
    db: { condition: 'service_healthy', restart: true, required: true },
  });
});

test('links, service: namespaces and volumes_from add implicit dependencies', async (t) => {
  const result = await load(`
services:
  web: {image: x, links: ["db:database"], network_mode: "service:vpn", volumes_from: ["data:ro", "container:abc"]}
  db: {image: y}
  vpn: {image: z}
  data: {image: w}
`);
  t.deepEqual(result.services.web!.depends_on, {
    data: { condition: 'service_started', required: true },
    db: { condition: 'service_started', restart: true, required: true },
    vpn: { condition: 'service_started', restart: true, required: true },
  });
});

test('a string command is split like a shell, a list kept', async (t) => {
  t.deepEqual(
    (await web(`services: {web: {image: x, command: "sh -c 'echo \\"hi there\\"' --flag"}}`)).command,
    ['sh', '-c', 'echo "hi there"', '--flag'],
  );
  t.deepEqual((await web('services: {web: {image: x, entrypoint: [a, "b c"]}}')).entrypoint, ['a', 'b c']);
  t.deepEqual((await web('services: {web: {image: x, command: []}}')).command, []);
});

test('a command with && is cut there as compose cuts it, with a warning', async (t) => {
  const warnings: Warning[] = [];
  const result = await load('services: {web: {image: x, command: "make && make install"}}', warnings);
  t.deepEqual(result.services.web!.command, ['make']);
  t.is(warnings.length, 1);
  t.is(warnings[0]!.keyPath, 'services.web.command');
  t.regex(warnings[0]!.message, /^compose reads this command only up to "&& make install"/);
});

test('byte sizes become numbers of bytes; pull_policy if_not_present becomes missing', async (t) => {
  const service = await web(
    'services: {web: {image: x, mem_limit: 512m, shm_size: "64mb", memswap_limit: -1, pull_policy: if_not_present}}',
  );
  t.is(service.mem_limit, 536870912);
  t.is(service.shm_size, 67108864);
  t.is(service.memswap_limit, -1);
  t.is(service.pull_policy, 'missing');
});

test('ulimits: a number sets soft and hard; soft above hard is refused', async (t) => {
  t.deepEqual(
    (await web('services: {web: {image: x, ulimits: {nproc: 65535, nofile: {soft: 1024, hard: 2048}}}}'))
      .ulimits,
    {
      nofile: { soft: 1024, hard: 2048 },
      nproc: { soft: 65535, hard: 65535 },
    },
  );
  const error = await t.throwsAsync(
    web('services: {web: {image: x, ulimits: {nofile: {soft: 10, hard: 5}}}}'),
  );
  t.is((error as { keyPath?: string }).keyPath, 'services.web.ulimits.nofile');
});

test('devices, extra_hosts, sysctls and tmpfs in canonical form', async (t) => {
  const service = await web(`
services:
  web:
    image: x
    devices: ["/dev/fuse", {source: /dev/sda, target: /dev/xvda, permissions: r}]
    extra_hosts: ["somehost:162.242.195.82", "other=[::1]"]
    sysctls: [net.core.somaxconn=1024]
    tmpfs: /run
`);
  t.deepEqual(service.devices, [
    { source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' },
    { source: '/dev/sda', target: '/dev/xvda', permissions: 'r' },
  ]);
  t.deepEqual(service.extra_hosts, ['other=::1', 'somehost=162.242.195.82']);
  t.deepEqual(service.sysctls, { 'net.core.somaxconn': '1024' });
  t.deepEqual(service.tmpfs, ['/run']);
});

test('secrets and configs: short to long, secret target defaults under /run/secrets, modes in octal', async (t) => {
  const result = await load(`
services:
  web:
    image: x
    secrets: [db_pass, {source: api_key, target: key, mode: 0o440, uid: "1000"}]
    configs: [{source: nginx, mode: "0644"}]
secrets:
  db_pass: {file: ./secrets/db.txt}
  api_key: {environment: API_KEY}
configs:
  nginx: {content: "server {}"}
`);
  t.deepEqual(result.services.web!.secrets, [
    { source: 'db_pass', target: '/run/secrets/db_pass' },
    { source: 'api_key', target: 'key', uid: '1000', mode: '0440' },
  ]);
  t.deepEqual(result.services.web!.configs, [{ source: 'nginx', mode: '0644' }]);
  t.deepEqual(result.secrets, {
    api_key: { name: 'demo_api_key', environment: 'API_KEY' },
    db_pass: { name: 'demo_db_pass', file: '/srv/demo/secrets/db.txt' },
  });
  t.deepEqual(result.configs, { nginx: { name: 'demo_nginx', content: 'server {}' } });
});

test('a secret without file or environment is refused', async (t) => {
  const error = await t.throwsAsync(load('services: {}\nsecrets: {s: {labels: [a=b]}}'));
  t.regex(error.message, /one of file\|environment must be set/);
});

test('booleans compose omits when false are absent; init and attach keep false', async (t) => {
  const service = await web(
    'services: {web: {image: x, privileged: false, tty: true, init: false, attach: false, read_only: "true"}}',
  );
  t.is(service.privileged, undefined);
  t.is(service.tty, true);
  t.is(service.init, false);
  t.is(service.attach, false);
  t.is(service.read_only, true);
});

test('service keys come out in compose order with x- keys last, services sorted', async (t) => {
  const result = await load(
    'services: {web: {x-b: 1, restart: always, image: x, command: [a], x-a: 2}, api: {image: y}}',
  );
  t.deepEqual(Object.keys(result.services), ['api', 'web']);
  t.deepEqual(Object.keys(result.services.web!), ['command', 'image', 'networks', 'restart', 'x-a', 'x-b']);
});

test('errors carry the file position of the offending key', async (t) => {
  const [document] = parseComposeText(
    'services:\n  web:\n    image: x\n    ulimits:\n      nofile: {soft: 9, hard: 1}\n',
    'compose.yaml',
  );
  const error = await t.throwsAsync(
    normalizeProject(document!, {
      projectName: 'demo',
      projectDir: '/srv/demo',
      lookup: () => undefined,
      warnings: [],
    }),
  );
  t.deepEqual((error as { position?: unknown }).position, { file: 'compose.yaml', line: 5, col: 7 });
});

test('the project directory is kept under the projectMeta symbol and not printed', async (t) => {
  const result = await load('services: {web: {image: x}}\nx-top: 1');
  t.is(result[projectMeta].workingDir, '/srv/demo');
  t.deepEqual(Object.keys(result), [
    'name',
    'services',
    'networks',
    'volumes',
    'secrets',
    'configs',
    'x-top',
  ]);
  t.false(JSON.stringify(result).includes('/srv/demo'));
});

test('x-* values keep compose order in the model: keys sorted at every depth', async (t) => {
  const result = await load('x-meta: {b: 1, a: {z: 1, y: [{d: 1, c: 2}]}}\nservices: {web: {image: x, x-tags: {k2: 1, k1: 2}}}');
  t.deepEqual(JSON.stringify(result['x-meta']), '{"a":{"y":[{"c":2,"d":1}],"z":1},"b":1}');
  t.deepEqual(Object.keys(result.services.web!['x-tags'] as object), ['k1', 'k2']);
});
