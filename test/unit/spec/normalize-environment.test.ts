import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { normalizeYaml } from './normalize-helpers.js';

const project = (yaml: string, env: Record<string, string> = {}, projectDir = '/srv/demo') =>
  normalizeYaml(yaml, { env, projectDir });


test('environment list: KEY=value kept, bare KEY from the environment, unset bare KEY stays null', async (t) => {
  const { services } = await project('services: {web: {image: x, environment: [B=2, A, MISSING, C=]}}', {
    A: 'one',
  });
  t.deepEqual(services.web!.environment, { A: 'one', B: '2', C: '', MISSING: null });
  t.deepEqual(Object.keys(services.web!.environment!), ['A', 'B', 'C', 'MISSING']);
});

test('environment map: numbers and booleans become text, null is looked up', async (t) => {
  const { services } = await project(
    'services: {web: {image: x, environment: {PORT: 80, DEBUG: true, HOME_DIR: null}}}',
    {
      HOME_DIR: '/root',
    },
  );
  t.deepEqual(services.web!.environment, { DEBUG: 'true', HOME_DIR: '/root', PORT: '80' });
});

test('a key with a trailing space is refused', async (t) => {
  const error = await t.throwsAsync(project('services: {web: {image: x, environment: ["KEY =v"]}}'));
  t.regex(error.message, /trailing space/);
  t.is((error as { keyPath?: string }).keyPath, 'services.web.environment[0]');
});

test('env_file is read relative to the project, environment wins, files see earlier values', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.env'), 'FROM_FILE=a\nSHARED=file\nGREETING=hi\n');
  writeFileSync(join(dir, 'b.env'), 'COMBINED=${GREETING}-${WHO}\n');
  const { services } = await project(
    'services: {web: {image: x, env_file: [a.env, {path: b.env}, {path: none.env, required: false}], environment: {SHARED: mine, WHO: bob}}}',
    {},
    dir,
  );
  t.deepEqual(services.web!.environment, {
    COMBINED: 'hi-bob',
    FROM_FILE: 'a',
    GREETING: 'hi',
    SHARED: 'mine',
    WHO: 'bob',
  });
  t.false('env_file' in services.web!);
});

test('a missing required env_file is an error', async (t) => {
  const dir = tempDir(t);
  const error = await t.throwsAsync(project('services: {web: {image: x, env_file: missing.env}}', {}, dir));
  t.regex(error.message, /not found/);
});

test('labels from list and map; label_file values are overridden by labels', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'labels'), 'team=ops\ntier=back\n');
  const { services } = await project(
    `services:
  web: {image: x, labels: [tier=front, flag], label_file: ./labels}
  db: {image: y, labels: {port: 5432}}`,
    {},
    dir,
  );
  t.deepEqual(services.web!.labels, { flag: '', team: 'ops', tier: 'front' });
  t.deepEqual(services.db!.labels, { port: '5432' });
});

test('build args without a value are taken from the environment or dropped', async (t) => {
  const { services } = await project('services: {web: {build: {context: ., args: [A, B, C=3]}}}', { A: 'a' });
  t.deepEqual(services.web!.build!.args, { A: 'a', C: '3' });
});

/** A temporary directory removed after the test. */
function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-norm-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
