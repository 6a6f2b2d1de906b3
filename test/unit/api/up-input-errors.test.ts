import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { UserError, up } from '../../../src/api/index.js';

// Mistakes in what up() is given are found before berthd is asked for anything (no state root is created).
const roots = path.join(tmpdir(), `berth-api-never-${process.pid}`);
const env = { BERTH_ROOT: path.join(roots, 'root'), BERTH_RUN: path.join(roots, 'run') };

test('an object spec with an unknown key: a UserError with the key path and no made-up position', async (t) => {
  const error = await t.throwsAsync(up({ env, projectName: 'api-bad', spec: { services: { a: { imag: 'busybox' } } } }), { instanceOf: UserError });
  t.is(error?.keyPath, 'services.a.imag');
  t.is(error?.position, undefined);
  t.regex(error?.hint ?? '', /did you mean "image"/);
  t.false(existsSync(roots));
});

test('a YAML text spec keeps line and column, in a file called (spec)', async (t) => {
  const error = await t.throwsAsync(up({ env, projectName: 'api-bad', spec: 'services:\n  a:\n    image: busybox\n    portz: ["80"]\n' }), { instanceOf: UserError });
  t.deepEqual(error?.position, { file: '(spec)', line: 4, col: 5 });
});

test('files and spec together, and a wait plan naming an unknown service, are refused', async (t) => {
  await t.throwsAsync(up({ env, files: 'compose.yaml', spec: { services: {} } }), { instanceOf: UserError, message: /expected files or spec, found both/ });
  const error = await t.throwsAsync(up({ env, projectName: 'api-bad', spec: { services: { a: { image: 'busybox' } } }, wait: { b: 'healthy' } }), { instanceOf: UserError });
  t.is(error?.keyPath, 'wait.b');
  t.false(existsSync(roots));
});
