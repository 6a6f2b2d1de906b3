import { readFileSync } from 'node:fs';
import test from 'ava';
import { parse } from 'yaml';
import type { SourcePosition } from '../../../src/errors.js';
import { composeSchema } from '../../../src/spec/generated/compose-validator.js';
import { setKeyPosition } from '../../../src/spec/source-position.js';
import { describeJsonType, validateComposeDocument } from '../../../src/spec/validate.js';

const fixture = (name: string): unknown =>
  parse(readFileSync(new URL(`../../fixtures/validate/${name}`, import.meta.url), 'utf8'), { merge: true });

/** Each error as one line: `key.path: message — hint`. */
const problems = (document: unknown): string[] => validateComposeDocument(document).map((e) => e.describe());

const service = (definition: unknown): unknown => ({ services: { web: definition } });

// --- documents docker compose accepts ------------------------------------------------------------

test('a file using every key of the compose specification is valid', (t) => {
  t.deepEqual(problems(fixture('full.yaml')), []);
});

test('the full fixture uses every key the schema declares', (t) => {
  const declared = new Set<string>();
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties') for (const name of Object.keys(value as object)) declared.add(name);
        collect(value);
      }
    }
  };
  collect(composeSchema);
  const used = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        used.add(key);
        walk(child);
      }
    }
  };
  walk(fixture('full.yaml'));
  t.deepEqual(
    [...declared].filter((key) => !used.has(key)),
    [],
  );
});

test('an empty file map is valid', (t) => {
  t.deepEqual(problems({}), []);
});

test('a partial service of an override file (no image, no build) is valid', (t) => {
  t.deepEqual(problems(service({ environment: ['DEBUG=1'] })), []);
  t.deepEqual(problems(service({})), []);
});

test('x- extension keys are accepted at top level, in services and in nested maps', (t) => {
  const document = {
    'x-common': { anything: [1, 2] },
    services: {
      web: {
        image: 'nginx',
        'x-note': 'hi',
        build: { context: '.', 'x-cache': true },
        ports: [{ target: 80, 'x-port': 1 }],
        volumes: [{ type: 'bind', source: '.', target: '/a', bind: { 'x-b': 1 } }],
        deploy: { 'x-d': 1, resources: { limits: { 'x-l': 1 } } },
      },
    },
    networks: { front: { 'x-net': 1 } },
    volumes: { data: { 'x-vol': 1 } },
    configs: { c: { file: 'c', 'x-c': 1 } },
    secrets: { s: { file: 's', 'x-s': 1 } },
  };
  t.deepEqual(problems(document), []);
});

test('numeric and boolean keys also take strings, as compose keeps them for interpolation', (t) => {
  const definition = {
    scale: '3',
    cpu_count: '2',
    cpus: '0.5',
    privileged: 'true',
    read_only: 'false',
    oom_score_adj: '-10',
    healthcheck: { retries: '3', disable: 'false' },
    ulimits: { nofile: '1024', nproc: { soft: '1', hard: '2' } },
    deploy: { replicas: '2' },
    ports: [{ target: '80', published: '8080' }],
  };
  t.deepEqual(problems(service(definition)), []);
});

const unionForms: [string, unknown[]][] = [
  ['command', [null, 'echo hi', ['echo', 'hi']]],
  ['entrypoint', [null, '/bin/sh -c', ['/bin/sh', '-c']]],
  ['build', ['.', { context: '.', args: ['A=1'] }, { args: { A: 1 } }]],
  ['depends_on', [['db'], { db: { condition: 'service_started' } }]],
  ['env_file', ['.env', ['.env', { path: 'b.env', required: false, format: 'raw' }]]],
  ['environment', [['A=1'], { A: '1', B: 2, C: true, D: null }]],
  ['extends', ['base', { service: 'base' }, { service: 'base', file: 'b.yaml' }]],
  ['extra_hosts', [['a:1.2.3.4'], { a: '1.2.3.4', b: ['::1', '10.0.0.1'] }]],
  ['healthcheck', [{ test: 'curl -f x' }, { test: ['CMD', 'true'] }, { disable: true }]],
  ['labels', [['a=b'], { a: 'b' }]],
  ['networks', [['front'], { front: null }, { front: { aliases: ['x'], priority: 1 } }]],
  ['ports', [[80], ['80:80'], [{ target: 80, published: 8080 }], [{ target: 80, published: '8000-8010' }]]],
  ['volumes', [['data:/data'], [{ type: 'volume', source: 'data', target: '/data' }]]],
  ['devices', [['/dev/a:/dev/a'], [{ source: '/dev/a', target: '/dev/b', permissions: 'r' }]]],
  ['secrets', [['s'], [{ source: 's', target: '/t', mode: 0o400 }]]],
  ['configs', [['c'], [{ source: 'c', mode: '0444' }]]],
  ['ulimits', [{ nofile: 1024 }, { nofile: { soft: 1, hard: 2 } }]],
  ['gpus', ['all', [{ count: 1, capabilities: ['gpu'] }]]],
  ['dns', ['8.8.8.8', ['8.8.8.8', '1.1.1.1']]],
  ['dns_search', ['a.example', ['a.example']]],
  ['tmpfs', ['/run', ['/run', '/tmp']]],
  ['sysctls', [['net.core.somaxconn=1'], { 'net.core.somaxconn': 1 }]],
  ['models', [['llm'], { llm: null }, { llm: { endpoint_var: 'URL' } }]],
  ['label_file', ['a.labels', ['a.labels', 'b.labels']]],
  ['pid', ['host', null]],
  ['restart', ['no', 'always', 'on-failure', 'on-failure:5', 'unless-stopped']],
  [
    'pull_policy',
    [
      'always',
      'never',
      'missing',
      'if_not_present',
      'build',
      'refresh',
      'daily',
      'weekly',
      'every_12h',
      'every_1d2h',
    ],
  ],
];
for (const [key, forms] of unionForms) {
  test(`services.*.${key} accepts each of its forms`, (t) => {
    for (const form of forms) t.deepEqual(problems(service({ [key]: form })), [], JSON.stringify(form));
  });
}

test('top-level unions accept each of their forms', (t) => {
  const document = {
    include: ['a.yaml', { path: 'b.yaml' }, { path: ['c.yaml', 'd.yaml'], env_file: ['.env'] }],
    networks: { a: null, b: { external: true }, c: { external: { name: 'x' } }, d: { labels: ['a=b'] } },
    volumes: { a: null, b: { external: 'true' }, c: { external: { name: 'x' } }, d: { labels: { a: 'b' } } },
  };
  t.deepEqual(problems(document), []);
});

test('unknown keys in gpus entries pass, as docker compose does not reject them', (t) => {
  t.deepEqual(problems(service({ gpus: [{ count: 1, vendor: 'x' }] })), []);
});

// --- documents docker compose rejects ------------------------------------------------------------

test('an unknown service key is named with a did-you-mean hint', (t) => {
  t.deepEqual(problems(service({ image: 'nginx', prots: ['80:80'] })), [
    'services.web.prots: unknown key — did you mean "ports"?',
  ]);
});

test('an unknown key in a small map lists the keys allowed there', (t) => {
  t.deepEqual(problems(service({ logging: { drvier: 'syslog', level: 1 } })), [
    'services.web.logging.drvier: unknown key — did you mean "driver"?',
    'services.web.logging.level: unknown key — expected one of driver, options, or an x-* extension key',
  ]);
});

test('an unknown top-level key names the valid top-level keys', (t) => {
  t.deepEqual(problems({ servics: {}, stuff: 1 }), [
    'servics: unknown top-level key — did you mean "services"? valid top-level keys are version, name, include, services, networks, volumes, configs, secrets, models and x-* extensions',
    'stuff: unknown top-level key — valid top-level keys are version, name, include, services, networks, volumes, configs, secrets, models and x-* extensions',
  ]);
});

test('a service that is not a map is rejected, with a hint when it looks like an image', (t) => {
  t.deepEqual(problems({ services: { web: 'nginx', db: ['postgres'] } }), [
    'services.web: must be a map, got a string — did you mean "image: nginx"?',
    'services.db: must be a map, got a list',
  ]);
});

test('services must be a map and a file must be a map', (t) => {
  t.deepEqual(problems({ services: ['web'] }), ['services: must be a map, got a list']);
  t.deepEqual(problems(['services']), ['a compose file must be a map of top-level keys, got a list']);
});

test('a service name with invalid characters is rejected', (t) => {
  t.deepEqual(problems({ services: { 'my web': { image: 'nginx' } } }), [
    'services["my web"]: invalid name "my web" — names may contain only letters, digits, ".", "_" and "-"',
  ]);
});

test('a wrong scalar type names the expected and the found type', (t) => {
  t.deepEqual(problems(service({ image: 3, hostname: ['a'], privileged: { a: 1 } })), [
    'services.web.image: must be a string, got a number',
    'services.web.hostname: must be a string, got a list',
    'services.web.privileged: must be a boolean or a string, got a map',
  ]);
});

test('version must be a string, as docker compose says', (t) => {
  t.deepEqual(problems({ version: 3.8 }), ['version: must be a string, got a number']);
});

test('a value matching no form of a union names every form once', (t) => {
  t.deepEqual(problems(service({ ports: [['80']], environment: 'A=1', command: 3, depends_on: 'db' })), [
    'services.web.ports[0]: must be a number, a string or a map, got a list',
    'services.web.environment: must be a map or a list of strings, got a string',
    'services.web.command: must be null, a string or a list of strings, got a number',
    'services.web.depends_on: must be a list of strings or a map, got a string',
  ]);
});

test('a value of a union form reports only the problem inside that form', (t) => {
  t.deepEqual(problems(service({ ports: [{ target: 80, publishd: 8080 }] })), [
    'services.web.ports[0].publishd: unknown key — did you mean "published"?',
  ]);
  t.deepEqual(
    problems(service({ volumes: [{ type: 'volume', source: 'a', target: '/a', volume: { nocpy: true } }] })),
    ['services.web.volumes[0].volume.nocpy: unknown key — did you mean "nocopy"?'],
  );
});

test('a nested union mismatch is reported at the nested value', (t) => {
  t.deepEqual(problems(service({ networks: { front: 'x' }, environment: { A: [1] } })), [
    'services.web.networks.front: must be null or a map, got a string',
    'services.web.environment.A: must be a string, a number, a boolean or null, got a list',
  ]);
});

test('a bad enum value lists the allowed values and suggests the closest', (t) => {
  t.deepEqual(problems(service({ cgroup: 'shared' })), [
    'services.web.cgroup: must be one of "host" or "private", got "shared"',
  ]);
  t.deepEqual(problems(service({ volumes: [{ type: 'bnid', target: '/a' }] })), [
    'services.web.volumes[0].type: must be one of "bind", "volume", "tmpfs", "npipe", "cluster" or "image", got "bnid" — did you mean "bind"?',
  ]);
  t.deepEqual(problems(service({ depends_on: { db: { condition: 'service_healty' } } })), [
    'services.web.depends_on.db.condition: must be one of "service_started", "service_healthy" or "service_completed_successfully", got "service_healty" — did you mean "service_healthy"?',
  ]);
});

test('gpus must be "all" or a list', (t) => {
  t.deepEqual(problems(service({ gpus: 'some' })), ['services.web.gpus: must be "all", got "some"']);
  t.deepEqual(problems(service({ gpus: { count: 1 } })), [
    'services.web.gpus: must be "all" or a list, got a map',
  ]);
});

test('an unknown restart policy lists the policies', (t) => {
  t.deepEqual(problems(service({ restart: 'sometimes' })), [
    'services.web.restart: must be one of "no", "always", "on-failure", "on-failure:<max retries>" or "unless-stopped", got "sometimes"',
  ]);
});

test('an unknown pull policy lists the policies', (t) => {
  const [error] = validateComposeDocument(service({ pull_policy: 'every_day' }));
  t.is(error?.keyPath, 'services.web.pull_policy');
  t.regex(error?.message ?? '', /^must be one of "always", .* "every_<N><w\|d\|h\|m\|s>", got "every_day"$/);
});

test('a container name docker would refuse is rejected', (t) => {
  t.is(
    validateComposeDocument(service({ container_name: 'my web' }))[0]?.keyPath,
    'services.web.container_name',
  );
  t.deepEqual(problems(service({ container_name: 'web-1.a_b' })), []);
});

test('a required key of a long form is named when missing', (t) => {
  t.deepEqual(
    problems(
      service({
        depends_on: { db: { restart: true } },
        volumes: [{ source: 'a', target: '/a' }],
        extends: { file: 'a.yaml' },
        devices: [{ target: '/dev/a' }],
        ulimits: { nofile: { soft: 1 } },
      }),
    ),
    [
      'services.web.depends_on.db: missing required key "condition"',
      'services.web.volumes[0]: missing required key "type"',
      'services.web.extends: missing required key "service"',
      'services.web.devices[0]: missing required key "source"',
      'services.web.ulimits.nofile: missing required key "hard"',
    ],
  );
  t.deepEqual(problems({ models: { llm: { name: 'x' } } }), ['models.llm: missing required key "model"']);
});

test('depends_on.required must be a boolean', (t) => {
  t.deepEqual(problems(service({ depends_on: { db: { condition: 'service_started', required: 'yes' } } })), [
    'services.web.depends_on.db.required: must be a boolean, got a string',
  ]);
});

test('a duration that does not parse is rejected where it is written', (t) => {
  t.deepEqual(problems(service({ healthcheck: { interval: '10 seconds' }, stop_grace_period: '1m30s' })), [
    'services.web.healthcheck.interval: must be a duration such as "30s", "1m30s" or "1h", got "10 seconds" — units are ns, us, ms, s, m, h, d and w',
  ]);
  t.deepEqual(problems(service({ healthcheck: { interval: '2d', timeout: '1.5s', start_period: '0' } })), []);
});

test('numeric bounds are reported with the bound', (t) => {
  t.deepEqual(problems(service({ cpu_percent: 150, cpu_count: -1, oom_score_adj: -2000 })), [
    'services.web.cpu_percent: must be at most 100, got 150',
    'services.web.cpu_count: must be at least 0, got -1',
    'services.web.oom_score_adj: must be at least -1000, got -2000',
  ]);
});

test('a repeated list entry is reported at the repeat', (t) => {
  t.deepEqual(
    problems(service({ ports: ['80:80', '81:81', '80:80'], cap_add: ['NET_ADMIN', 'NET_ADMIN'] })),
    [
      'services.web.ports[2]: duplicate of services.web.ports[0] — list each entry once',
      'services.web.cap_add[1]: duplicate of services.web.cap_add[0] — list each entry once',
    ],
  );
});

test('an empty key in a map of values is rejected', (t) => {
  t.deepEqual(problems(service({ environment: { '': 'x' } })), [
    'services.web.environment[""]: keys must not be empty',
  ]);
});

test('a top-level volume name with invalid characters is rejected', (t) => {
  t.deepEqual(problems({ volumes: { 'my data': null } }), [
    'volumes["my data"]: invalid name "my data" — names may contain only letters, digits, ".", "_" and "-"',
  ]);
});

test('unknown keys of top-level resources are rejected', (t) => {
  t.deepEqual(problems({ networks: { front: { drivr: 'bridge' } }, secrets: { s: { fiel: 'a' } } }), [
    'networks.front.drivr: unknown key — did you mean "driver"?',
    'secrets.s.fiel: unknown key — did you mean "file"?',
  ]);
});

test('errors come in document order, one per problem', (t) => {
  const document = {
    services: {
      b: { imag: 'x', ports: [['1']] },
      a: { restart: 'x', command: 1 },
    },
    stuff: 1,
  };
  t.deepEqual(
    validateComposeDocument(document).map((e) => e.keyPath),
    ['services.b.imag', 'services.b.ports[0]', 'services.a.restart', 'services.a.command', 'stuff'],
  );
});

// --- positions ------------------------------------------------------------------------------------

const at = (line: number, col: number): SourcePosition => ({ file: 'compose.yaml', line, col });

test('each error carries the position of its key or list item', (t) => {
  const ports = [['80']];
  const web = { image: 'nginx', prots: ['80'], ports, depends_on: { db: { required: true } } };
  const services = { web };
  const document = { services };
  setKeyPosition(document, 'services', at(1, 1));
  setKeyPosition(services, 'web', at(2, 3));
  setKeyPosition(web, 'image', at(3, 5));
  setKeyPosition(web, 'prots', at(4, 5));
  setKeyPosition(web, 'ports', at(5, 5));
  setKeyPosition(ports, 0, at(6, 9));
  setKeyPosition(web, 'depends_on', at(7, 5));
  setKeyPosition(web.depends_on, 'db', at(8, 7));
  t.deepEqual(problems(document), [
    'compose.yaml:4:5: services.web.prots: unknown key — did you mean "ports"?',
    'compose.yaml:6:9: services.web.ports[0]: must be a number, a string or a map, got a list',
    'compose.yaml:8:7: services.web.depends_on.db: missing required key "condition"',
  ]);
});

test('an error below the last known position points at the nearest known key', (t) => {
  const web = { healthcheck: { interval: 'soon' } };
  const document = { services: { web } };
  setKeyPosition(document.services, 'web', at(2, 3));
  const [error] = validateComposeDocument(document);
  t.deepEqual(error?.position, at(2, 3));
  t.is(error?.keyPath, 'services.web.healthcheck.interval');
});

test('describeJsonType names values as messages do', (t) => {
  t.is(describeJsonType('a'), 'a string');
  t.is(describeJsonType(1.5), 'a number');
  t.is(describeJsonType(true), 'a boolean');
  t.is(describeJsonType(null), 'null');
  t.is(describeJsonType([]), 'a list');
  t.is(describeJsonType({}), 'a map');
});
