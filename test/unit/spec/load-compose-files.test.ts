import { fileURLToPath } from 'node:url';
import test from 'ava';
import { UserError, type Warning } from '../../../src/errors.js';
import { loadComposeFiles } from '../../../src/spec/load-compose-files.js';
import { parseComposeText } from '../../../src/spec/parse-yaml.js';
import { rebaseServicePaths } from '../../../src/spec/rebase-paths.js';
import { locate } from '../../../src/spec/source-position.js';

type Doc = Record<string, unknown>;
const fixtures = fileURLToPath(new URL('../../fixtures/spec/', import.meta.url));
const load = (files: string[], env: Record<string, string> = {}) => {
  const warnings: Warning[] = [];
  return loadComposeFiles(
    files.map((file) => fixtures + file),
    { lookup: (name) => env[name], interpolate: true, warnings, displayBase: fixtures },
  );
};
const services = (doc: Doc) => doc.services as Record<string, Doc>;

test('extends in the same file is applied in chains, the extending service winning', async (t) => {
  const doc = await load(['extends/compose.yaml']);
  t.deepEqual(services(doc).web, {
    image: 'busybox',
    environment: ['LEVEL=middle'],
    labels: ['tier=base'],
    command: ['httpd', '-f'],
  });
});

test('extends from another file rebases its relative paths to that file', async (t) => {
  const doc = await load(['extends/compose.yaml']);
  const worker = services(doc).worker!;
  t.is(worker.image, 'busybox');
  t.is(worker.env_file, `${fixtures}extends/common/worker.env`);
  t.deepEqual(worker.volumes, [`${fixtures}extends/common/data:/data`]);
  t.is(worker.build, `${fixtures}extends/common/context`);
  t.deepEqual(worker.environment, { ROLE: 'worker' });
  t.false('extends' in worker);
});

test('an extends cycle is an error naming the cycle', async (t) => {
  const error = await t.throwsAsync(load(['extends/cycle.yaml']), { instanceOf: UserError });
  t.regex(error.message, /extends cycle: a .* → b .* → c .* → a/);
  t.is(error.position?.file, 'extends/cycle.yaml');
});

test('a missing extends file is an error at the extends key', async (t) => {
  const error = await t.throwsAsync(load(['extends/missing.yaml']), { instanceOf: UserError });
  t.regex(error.message, /extends file .*does-not-exist.yaml not found/);
  t.is(error.keyPath, 'services.a.extends');
  t.is(error.position?.line, 4);
});

test('include imports services and volumes; the including file wins on conflicts', async (t) => {
  const doc = await load(['include/compose.yaml']);
  t.deepEqual(Object.keys(services(doc)).sort(), ['cache', 'db', 'web']);
  t.is(services(doc).db!.image, 'postgres:16');
  t.deepEqual(services(doc).db!.environment, { OVERRIDDEN: 'yes' });
  t.deepEqual(services(doc).db!.volumes, [`${fixtures}include/sub/pgdata:/var/lib/postgresql/data`]);
  t.deepEqual(doc.volumes, { shared: {} });
  t.false('include' in doc);
});

test('an include env_file feeds the included file, the including environment winning', async (t) => {
  t.is(services(await load(['include/compose.yaml'])).cache!.image, 'redis:7-alpine');
  t.is(services(await load(['include/compose.yaml'], { REDIS_TAG: 'latest' })).cache!.image, 'redis:latest');
});

test('an include cycle is an error', async (t) => {
  const error = await t.throwsAsync(load(['include/cycle-a.yaml']), { instanceOf: UserError });
  t.regex(error.message, /include cycle/);
});

test('override files merge in order', async (t) => {
  const doc = await load(['discover/project/compose.yaml', 'discover/project/compose.override.yaml']);
  t.deepEqual(services(doc).app, { image: 'busybox', init: true });
});

test('a rebased build section keeps the positions of its keys', (t) => {
  const [doc] = parseComposeText('build:\n  context: ./app\n  target: dev\n', 'base.yaml');
  const rebased = rebaseServicePaths(doc!, '/srv/other');
  t.deepEqual(rebased.build, { context: '/srv/other/app', target: 'dev' });
  t.deepEqual(locate(rebased, ['build', 'target']), { file: 'base.yaml', line: 3, col: 3 });
});
