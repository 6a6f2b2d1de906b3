import { fileURLToPath } from 'node:url';
import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { chooseProjectName, normalizeProjectName, selectComposeFiles } from '../../../src/spec/discover.js';

const fixtures = fileURLToPath(new URL('../../fixtures/spec/discover/', import.meta.url));

test('the default file and its override are found in the working directory', (t) => {
  const { files } = selectComposeFiles({ cwd: `${fixtures}project`, searchFrom: `${fixtures}project` });
  t.deepEqual(files, [`${fixtures}project/compose.yaml`, `${fixtures}project/compose.override.yaml`]);
});

test('the search walks up parent directories', (t) => {
  const from = `${fixtures}project/nested/deeper`;
  t.deepEqual(
    selectComposeFiles({ cwd: from, searchFrom: from }).files[0],
    `${fixtures}project/compose.yaml`,
  );
});

test('with several default names, compose.yaml wins and the choice is reported', (t) => {
  const selection = selectComposeFiles({ cwd: `${fixtures}both`, searchFrom: `${fixtures}both` });
  t.deepEqual(selection.files, [`${fixtures}both/compose.yaml`]);
  t.regex(
    selection.ambiguity ?? '',
    /multiple config files.*compose\.yaml, docker-compose\.yml; using compose\.yaml/,
  );
});

test('-f files are taken in order, relative to the working directory', (t) => {
  const { files } = selectComposeFiles({
    cwd: fixtures,
    files: ['project/compose.override.yaml', 'both/compose.yaml'],
    searchFrom: fixtures,
  });
  t.deepEqual(files, [`${fixtures}project/compose.override.yaml`, `${fixtures}both/compose.yaml`]);
});

test('COMPOSE_FILE is split on the path separator', (t) => {
  const one = selectComposeFiles({
    cwd: fixtures,
    composeFileVariable: 'project/compose.yaml:both/compose.yaml',
    searchFrom: fixtures,
  });
  t.is(one.files.length, 2);
  const other = selectComposeFiles({
    cwd: fixtures,
    composeFileVariable: 'project/compose.yaml;both/compose.yaml',
    pathSeparator: ';',
    searchFrom: fixtures,
  });
  t.deepEqual(other.files, one.files);
});

test('a missing -f file or a directory given as a file are clear errors', (t) => {
  t.throws(() => selectComposeFiles({ cwd: fixtures, files: ['nope.yaml'], searchFrom: fixtures }), {
    instanceOf: UserError,
    message: /compose file .*nope\.yaml not found/,
  });
  t.throws(() => selectComposeFiles({ cwd: fixtures, files: ['project'], searchFrom: fixtures }), {
    message: /is a directory/,
  });
});

test('no compose file anywhere up the tree is a clear error', (t) => {
  t.throws(() => selectComposeFiles({ cwd: '/proc/self', searchFrom: '/proc/self' }), {
    instanceOf: UserError,
    message: /no configuration file provided/,
  });
});

test('project name precedence: -p, COMPOSE_PROJECT_NAME, name:, directory', (t) => {
  const all = { flag: 'flag', variable: 'variable', topLevel: 'toplevel', projectDir: '/x/Dir' };
  t.deepEqual(chooseProjectName(all), { name: 'flag', source: '-p' });
  t.deepEqual(chooseProjectName({ ...all, flag: undefined }), {
    name: 'variable',
    source: 'COMPOSE_PROJECT_NAME',
  });
  t.deepEqual(chooseProjectName({ ...all, flag: undefined, variable: '' }), {
    name: 'toplevel',
    source: 'name',
  });
  t.deepEqual(chooseProjectName({ projectDir: '/x/My.App_1' }), { name: 'myapp_1', source: 'directory' });
});

test('an explicit invalid project name is refused with a suggestion', (t) => {
  const error = t.throws(() => chooseProjectName({ flag: 'My App', projectDir: '/x' }), {
    instanceOf: UserError,
  });
  t.regex(error.message, /invalid project name "My App" \(from -p\)/);
  t.regex(error.hint ?? '', /"myapp"/);
});

test('directory names are normalised as compose does', (t) => {
  t.is(normalizeProjectName('_Hello World-2'), 'helloworld-2');
  t.is(normalizeProjectName('---'), '');
});

test('missing files carry the missing-file reason the CLI maps to exit 14', (t) => {
  const error = t.throws(() => selectComposeFiles({ cwd: fixtures, files: ['nope.yaml'], searchFrom: fixtures }), {
    instanceOf: UserError,
  });
  t.is(error.reason, 'missing-file');
  t.is(error.with({ hint: 'other' }).reason, 'missing-file', 'with() keeps the reason');
});
