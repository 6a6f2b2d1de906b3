import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { loadProjectEnvironment } from '../../../src/spec/project-environment.js';

const fixtures = fileURLToPath(new URL('../../fixtures/env/', import.meta.url));
const project = join(fixtures, 'project');

test('the project .env is read when no env file is given, COMPOSE_* included', async (t) => {
  const env = await loadProjectEnvironment({ projectDir: project, processEnv: {} });
  t.deepEqual(env.sources, [join(project, '.env')]);
  t.deepEqual(Object.fromEntries(env.values), {
    COMPOSE_PROJECT_NAME: 'from-dotenv',
    TAG: '1.2',
    GREETING: 'hello nobody',
    FOLLOWS: '1.2',
  });
  t.is(env.lookup('COMPOSE_PROJECT_NAME'), 'from-dotenv');
  t.is(env.lookup('NOPE'), undefined);
});

test('process env wins over .env, also inside the file', async (t) => {
  const env = await loadProjectEnvironment({
    projectDir: project,
    processEnv: { TAG: '2.0', USER_NAME: 'ana', EMPTY: '', UNSET: undefined },
  });
  t.is(env.lookup('TAG'), '2.0');
  t.is(env.values.get('TAG'), '1.2');
  t.is(env.values.get('FOLLOWS'), '2.0');
  t.is(env.lookup('GREETING'), 'hello ana');
  t.is(env.lookup('EMPTY'), '');
  t.is(env.lookup('UNSET'), undefined);
});

test('names of Object.prototype are not variables', async (t) => {
  const env = await loadProjectEnvironment({ projectDir: project, processEnv: {} });
  t.is(env.lookup('toString'), undefined);
  t.is(env.lookup('__proto__'), undefined);
});

test('--env-file replaces .env; later files win and see earlier ones', async (t) => {
  const base = join(fixtures, 'base.env');
  const override = join(fixtures, 'override.env');
  const env = await loadProjectEnvironment({
    projectDir: project,
    envFiles: [base, override],
    processEnv: {},
  });
  t.deepEqual(env.sources, [base, override]);
  t.deepEqual(Object.fromEntries(env.values), {
    FROM_BASE: 'base',
    SHARED: 'override',
    URL: 'http://localhost',
    COMBINED: 'base-override',
  });
  t.is(env.lookup('COMPOSE_PROJECT_NAME'), undefined);
});

test('a missing --env-file is an error', async (t) => {
  const missing = join(fixtures, 'nope.env');
  const error = await t.throwsAsync(
    loadProjectEnvironment({ projectDir: project, envFiles: [missing], processEnv: {} }),
    { instanceOf: UserError },
  );
  t.is(error?.message, `env file ${missing} not found`);
});

test('no .env in the project directory means an empty file environment', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-env-'));
  try {
    const env = await loadProjectEnvironment({ projectDir: dir, processEnv: { A: 'a' } });
    t.deepEqual(env.sources, []);
    t.is(env.values.size, 0);
    t.is(env.lookup('A'), 'a');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a .env directory is ignored, as compose does', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-env-'));
  try {
    await mkdir(join(dir, '.env'));
    t.deepEqual((await loadProjectEnvironment({ projectDir: dir, processEnv: {} })).sources, []);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('COMPOSE_DISABLE_ENV_FILE=true skips .env', async (t) => {
  const env = await loadProjectEnvironment({
    projectDir: project,
    processEnv: { COMPOSE_DISABLE_ENV_FILE: '1' },
  });
  t.deepEqual(env.sources, []);
  const off = await loadProjectEnvironment({
    projectDir: project,
    processEnv: { COMPOSE_DISABLE_ENV_FILE: 'false' },
  });
  t.is(off.sources.length, 1);
});

test('COMPOSE_DISABLE_ENV_FILE must be a boolean', async (t) => {
  const error = await t.throwsAsync(
    loadProjectEnvironment({ projectDir: project, processEnv: { COMPOSE_DISABLE_ENV_FILE: 'yes' } }),
    { instanceOf: UserError },
  );
  t.is(error?.message, 'COMPOSE_DISABLE_ENV_FILE must be a boolean, found "yes"');
});
