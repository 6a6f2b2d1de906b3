import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { NetworkStore } from '../../../src/network/network-store.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { apiFixture } from './api-fixture.js';

const execFileAsync = promisify(execFile);
const repo = new URL('../../../', import.meta.url).pathname;
const example = path.join(repo, 'examples', 'api-tests');

/** What `npm install` makes of the example's `"berth": "file:../.."`: a link to this checkout (ava and tsx resolve from the repo's node_modules). */
async function linkBerth(): Promise<void> {
  const link = path.join(example, 'node_modules', 'berth');
  if (await readlink(link).catch(() => undefined)) return;
  await mkdir(path.dirname(link), { recursive: true });
  await symlink('../../..', link).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

test('examples/api-tests: its npm test passes against the built package (berth, berth/ava) and leaves no container or network', async (t) => {
  if (!existsSync(path.join(repo, 'dist', 'api', 'ava.js'))) t.fail('dist/ is not built: run npm run build first');
  const fixture = await apiFixture(t, 'berth-example');
  await linkBerth();
  const run = await execFileAsync('npm', ['test'], {
    cwd: example,
    env: { ...process.env, ...fixture.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 60_000,
  }).then(
    (done) => ({ code: 0, output: done.stdout + done.stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
  t.log(run.output);
  t.is(run.code, 0);
  t.regex(run.output, /6 tests passed/);
  const runtime = new ContainerRuntime(fixture.paths);
  t.teardown(() => runtime.close());
  t.deepEqual(await runtime.list(), []);
  t.deepEqual(await new NetworkStore(fixture.paths).list(), []);
});
