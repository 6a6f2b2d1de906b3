import test from 'ava';
import type { SourcePosition } from '../../../src/errors.js';
import { checkProject } from '../../../src/spec/check-project.js';
import { type Project, projectMeta, type ServiceConfig } from '../../../src/spec/model.js';
import { selectServices } from '../../../src/spec/profiles.js';

const started = { condition: 'service_started', required: true };

function project(services: Record<string, ServiceConfig>, rest: Partial<Project> = {}): Project {
  return {
    name: 'p',
    services,
    networks: { default: {} },
    volumes: {},
    secrets: {},
    configs: {},
    ...rest,
    [projectMeta]: { workingDir: '/w' },
  };
}

/** Each error as `keyPath: message | hint`. */
function check(p: Project): string[] {
  return checkProject(p).map((error) => `${error.keyPath}: ${error.message} | ${error.hint ?? ''}`);
}

test('a project whose references all resolve has no errors', (t) => {
  const p = project(
    {
      web: {
        image: 'nginx',
        depends_on: { db: started },
        links: ['db:database'],
        networks: { default: null },
        volumes: [{ type: 'volume', source: 'data', target: '/data', volume: {} }],
        secrets: [{ source: 'token' }],
        configs: [{ source: 'conf' }],
      },
      db: { build: { context: '.' }, volumes_from: ['container:x'] },
      side: { image: 'x', network_mode: 'service:web' },
    },
    { volumes: { data: {} }, secrets: { token: { file: './t' } }, configs: { conf: { file: './c' } } },
  );
  t.deepEqual(check(p), []);
});

const cases: [string, Record<string, ServiceConfig>, Partial<Project>, string[]][] = [
  [
    'a service needs an image or a build',
    { web: {} },
    {},
    [
      'services.web: service "web" has neither an image nor a build context specified: invalid compose project | add `image:` to run an existing image, or `build:` to build one',
    ],
  ],
  [
    'depends_on on an unknown service, with a suggestion',
    { web: { image: 'x', depends_on: { dv: started } }, db: { image: 'y' } },
    {},
    [
      'services.web.depends_on.dv: service "web" depends on undefined service "dv": invalid compose project | did you mean "db"?',
    ],
  ],
  [
    'a required: false need on a service that does not exist is still an error, as in compose',
    { web: { image: 'x', depends_on: { ghost: { condition: 'service_started', required: false } } } },
    {},
    [
      'services.web.depends_on.ghost: service "web" depends on undefined service "ghost": invalid compose project | ',
    ],
  ],
  [
    'links, volumes_from and network_mode name unknown services at their own key',
    {
      web: { image: 'x', links: ['cache:c'], volumes_from: ['store:ro'] },
      side: { image: 'x', network_mode: 'service:vpn' },
    },
    {},
    [
      'services.web.links[0]: service "web" depends on undefined service "cache": invalid compose project | ',
      'services.web.volumes_from[0]: service "web" depends on undefined service "store": invalid compose project | ',
      'services.side.network_mode: service "side" depends on undefined service "vpn": invalid compose project | ',
    ],
  ],
  [
    'one unknown service named twice by one service is reported once',
    { web: { image: 'x', depends_on: { db: started }, links: ['db'] } },
    {},
    [
      'services.web.depends_on.db: service "web" depends on undefined service "db": invalid compose project | ',
    ],
  ],
  [
    'an undefined network',
    { web: { image: 'x', networks: { frnt: null, default: null } } },
    { networks: { default: {}, front: {} } },
    [
      'services.web.networks.frnt: service "web" refers to undefined network frnt: invalid compose project | did you mean "front"?',
    ],
  ],
  [
    'network_mode together with networks',
    { web: { image: 'x', network_mode: 'host', networks: { default: null } } },
    {},
    [
      'services.web.network_mode: service web declares mutually exclusive `network_mode` and `networks`: invalid compose project | a service either joins networks or shares another network namespace; remove one of the two',
    ],
  ],
  [
    'undefined volume, secret, config and build secret; anonymous volumes and binds need nothing',
    {
      web: {
        image: 'x',
        build: { context: '.', secrets: [{ source: 'npmrc' }] },
        volumes: [
          { type: 'volume', target: '/anon', volume: {} },
          { type: 'bind', source: './x', target: '/x', bind: {} },
          { type: 'volume', source: 'dta', target: '/data', volume: {} },
        ],
        secrets: [{ source: 'token' }],
        configs: [{ source: 'conf' }],
      },
    },
    { volumes: { data: {} } },
    [
      'services.web.volumes[2]: service "web" refers to undefined volume dta: invalid compose project | did you mean "data"?',
      'services.web.build.secrets[0]: service "web" refers to undefined build secret npmrc: invalid compose project | declare it under the top-level `secrets:`',
      'services.web.configs[0]: service "web" refers to undefined config conf: invalid compose project | declare it under the top-level `configs:`',
      'services.web.secrets[0]: service "web" refers to undefined secret token: invalid compose project | declare it under the top-level `secrets:`',
    ],
  ],
  [
    'container_name with more than one replica',
    {
      web: { image: 'x', container_name: 'web', scale: 2 },
      api: { image: 'x', container_name: 'api', deploy: { replicas: 3 } },
    },
    {},
    [
      "services.web.container_name: services.web: can't set container_name and scale as container name must be unique: invalid compose project | remove container_name to run 2 replicas, or run one",
      "services.api.container_name: services.api: can't set container_name and deploy.replicas as container name must be unique: invalid compose project | remove container_name to run 3 replicas, or run one",
    ],
  ],
  [
    'scale and deploy.replicas that disagree',
    { web: { image: 'x', scale: 2, deploy: { replicas: 3 } } },
    {},
    [
      "services.web.scale: services.web: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project | set only one of them",
    ],
  ],
  [
    'two services with one container_name',
    { a: { image: 'x', container_name: 'same' }, b: { image: 'x', container_name: 'same' } },
    {},
    [
      'services.b.container_name: services.b: container name "same" is already in use by service a | give each service its own container_name',
    ],
  ],
  [
    'two mounts on one target',
    {
      web: {
        image: 'x',
        tmpfs: ['/run:size=64k'],
        volumes: [
          { type: 'volume', target: '/run', volume: {} },
          { type: 'bind', source: '/a', target: '/x', bind: {} },
          { type: 'bind', source: '/b', target: '/x', bind: {} },
        ],
      },
    },
    {},
    [
      'services.web.volumes[0]: services.web.volumes[0]: target /run already mounted as services.web.tmpfs[0] | mount one thing per target path',
      'services.web.volumes[2]: services.web.volumes[2]: target /x already mounted as services.web.volumes[1] | mount one thing per target path',
    ],
  ],
  [
    'a dependency cycle names the cycle',
    {
      c: { image: 'x', depends_on: { a: started } },
      a: { image: 'x', depends_on: { b: started } },
      b: { image: 'x', links: ['c'] },
    },
    {},
    [
      'services.a.depends_on.b: dependency cycle detected: a -> b -> c -> a | remove one of these dependencies: services cannot wait for each other',
    ],
  ],
  [
    'a service that needs itself',
    { a: { image: 'x', depends_on: { a: started } } },
    {},
    [
      'services.a.depends_on.a: dependency cycle detected: a -> a | remove one of these dependencies: services cannot wait for each other',
    ],
  ],
];
for (const [title, services, rest, expected] of cases) {
  test(`checkProject: ${title}`, (t) => {
    t.deepEqual(check(project(services, rest)), expected);
  });
}

test('a required need on a service disabled by profiles names the profile to enable', (t) => {
  const p = selectServices(
    project({
      web: { image: 'x', depends_on: { db: started } },
      db: { image: 'y', profiles: ['data', 'all'] },
    }),
    { profiles: [] },
  );
  t.deepEqual(check(p), [
    'services.web.depends_on.db: service "web" depends on undefined service "db": invalid compose project | service "db" is not enabled: it belongs to profile data, all; enable it with --profile data',
  ]);
});

test('an optional need on a service disabled by profiles passes, as in compose', (t) => {
  const p = selectServices(
    project({
      web: { image: 'x', depends_on: { db: { condition: 'service_started', required: false } } },
      db: { image: 'y', profiles: ['data'] },
    }),
    { profiles: [] },
  );
  t.deepEqual(check(p), []);
});

test('services left out by profiles are not checked', (t) => {
  const p = selectServices(project({ web: { image: 'x' }, broken: { profiles: ['x'] } }), { profiles: [] });
  t.deepEqual(check(p), []);
});

test('each error gets the position the locate callback gives for its key path', (t) => {
  const asked: (string | number)[][] = [];
  const position: SourcePosition = { file: 'compose.yaml', line: 7, col: 9 };
  const errors = checkProject(project({ web: { image: 'x', networks: { nope: null } } }), (path) => {
    asked.push(path);
    return position;
  });
  t.deepEqual(asked, [['services', 'web', 'networks', 'nope']]);
  t.deepEqual(errors[0]?.position, position);
  t.is(
    errors[0]?.describe(),
    'compose.yaml:7:9: services.web.networks.nope: service "web" refers to undefined network nope: invalid compose project — declare it under the top-level `networks:`',
  );
});
