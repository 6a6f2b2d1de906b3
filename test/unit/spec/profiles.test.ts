import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { type Project, projectMeta, type ServiceConfig } from '../../../src/spec/model.js';
import {
  disabledServices,
  listProfiles,
  matchesServicePattern,
  selectServices,
} from '../../../src/spec/profiles.js';
import { keyPosition, setKeyPosition } from '../../../src/spec/source-position.js';

const started = { condition: 'service_started', required: true };
const optional = { condition: 'service_started', required: false };

function project(services: Record<string, ServiceConfig>): Project {
  return {
    name: 'p',
    services,
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    [projectMeta]: { workingDir: '/w' },
  };
}

const stack = project({
  web: { image: 'nginx', depends_on: { api: started } },
  api: { image: 'api', depends_on: { db: started, tracing: optional } },
  db: { image: 'postgres' },
  tracing: { image: 'jaeger', profiles: ['debug'] },
  debug: { image: 'busybox', profiles: ['debug'], depends_on: { web: started } },
  seed: { image: 'seed', profiles: ['tools'], links: ['db'] },
});

const selections: [string, string[], string[], string[], string[]][] = [
  // [title, profiles, explicit services, enabled, disabled]
  ['no profiles: only services without profiles', [], [], ['web', 'api', 'db'], ['tracing', 'debug', 'seed']],
  ['a profile adds its services', ['debug'], [], ['web', 'api', 'db', 'tracing', 'debug'], ['seed']],
  ['"*" enables every profile', ['*'], [], ['web', 'api', 'db', 'tracing', 'debug', 'seed'], []],
  [
    'an unknown profile enables nothing more',
    ['nope'],
    [],
    ['web', 'api', 'db'],
    ['tracing', 'debug', 'seed'],
  ],
  [
    'a named service comes with its dependencies',
    [],
    ['api'],
    ['api', 'db'],
    ['web', 'tracing', 'debug', 'seed'],
  ],
  [
    'a named service enables its own profiles',
    [],
    ['seed'],
    ['db', 'seed'],
    ['web', 'api', 'tracing', 'debug'],
  ],
  // Naming `debug` activates profile debug, which also brings `tracing` (api's optional need).
  [
    'a named service pulls what it needs through its profile',
    [],
    ['debug'],
    ['web', 'api', 'db', 'tracing', 'debug'],
    ['seed'],
  ],
  ['names may be globs', [], ['d?'], ['db'], ['web', 'api', 'tracing', 'debug', 'seed']],
];
for (const [title, profiles, explicitServices, enabled, disabled] of selections) {
  test(`selectServices: ${title}`, (t) => {
    const selected = selectServices(stack, { profiles, explicitServices });
    t.deepEqual(Object.keys(selected.services), enabled);
    t.deepEqual(Object.keys(disabledServices(selected)), disabled);
  });
}

test('without named services, depends_on is left as written', (t) => {
  const selected = selectServices(stack, { profiles: [] });
  t.deepEqual(selected.services.api?.depends_on, { db: started, tracing: optional });
});

test('with named services, optional needs outside the selection are dropped', (t) => {
  const selected = selectServices(stack, { profiles: [], explicitServices: ['api'] });
  t.deepEqual(selected.services.api?.depends_on, { db: started });
  t.deepEqual(stack.services.api?.depends_on, { db: started, tracing: optional }, 'the input is not changed');
});

test('a required need that is not enabled stays for the project checks to report', (t) => {
  const p = project({
    web: { image: 'x', depends_on: { db: started } },
    db: { image: 'y', profiles: ['db'] },
  });
  const selected = selectServices(p, { profiles: [], explicitServices: ['web'] });
  t.deepEqual(Object.keys(selected.services), ['web']);
  t.deepEqual(selected.services.web?.depends_on, { db: started });
});

test('selecting again starts from every service, disabled ones included', (t) => {
  const first = selectServices(stack, { profiles: [] });
  const second = selectServices(first, { profiles: ['tools'] });
  t.deepEqual(Object.keys(second.services), ['web', 'api', 'db', 'seed']);
});

test('a named service that does not exist is an error with a suggestion', (t) => {
  const error = t.throws(() => selectServices(stack, { profiles: [], explicitServices: ['wbe'] }), {
    instanceOf: UserError,
  });
  t.is(error?.message, 'no such service: wbe');
  t.is(error?.hint, 'did you mean "web"?');
});

test('a name far from every service lists the services', (t) => {
  const error = t.throws(() => selectServices(stack, { profiles: [], explicitServices: ['zzzzzz'] }));
  t.is(error?.message, 'no such service: zzzzzz');
  t.is((error as UserError).hint, 'the services are: web, api, db, tracing, debug, seed');
});

test('the project keeps its other parts, its meta and key positions', (t) => {
  const position = { file: 'compose.yaml', line: 3, col: 3 };
  const p = project({ web: { image: 'x' } });
  setKeyPosition(p.services, 'web', position);
  const selected = selectServices(p, { profiles: [] });
  t.is(selected[projectMeta].workingDir, '/w');
  t.is(selected.name, 'p');
  t.deepEqual(keyPosition(selected.services, 'web'), position);
});

test('listProfiles gives every profile once, sorted, disabled services included', (t) => {
  t.deepEqual(listProfiles(stack), ['debug', 'tools']);
  t.deepEqual(listProfiles(selectServices(stack, { profiles: [] })), ['debug', 'tools']);
});

const patterns: [string, string, boolean][] = [
  ['web', 'web', true],
  ['web', 'web2', false],
  ['web*', 'web-1', true],
  ['*', 'anything', true],
  ['w?b', 'wab', true],
  ['[a-c]pi', 'api', true],
  ['[^a]pi', 'api', false],
  ['we\\*', 'we*', true],
  ['we\\*', 'web', false],
  ['a.b', 'axb', false],
  ['[ab', 'a', false],
];
for (const [pattern, name, matches] of patterns) {
  test(`service pattern "${pattern}" ${matches ? 'matches' : 'does not match'} "${name}"`, (t) => {
    t.is(matchesServicePattern(pattern, name), matches);
  });
}
