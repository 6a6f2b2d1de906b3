import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { listProjectContainers } from '../../../src/engine/project-containers.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { apiFixture } from './api-fixture.js';

const execFileAsync = promisify(execFile);
const suite = new URL('fixtures/ava-suite/', import.meta.url).pathname;
/** ava's command line, as `npx ava` runs it. */
const avaCli = new URL('../../../node_modules/.bin/ava', import.meta.url).pathname;

test('berth/ava: the stack is up for the tests, a failing test gets its logs, and the stack is down after the file, failed or not', async (t) => {
  const fixture = await apiFixture(t, 'berth-ava');
  const run = await execFileAsync(process.execPath, [avaCli, '--verbose'], {
    cwd: suite,
    env: { ...process.env, ...fixture.env, DAEMON_COMMAND: JSON.stringify(fixture.daemonCommand), SUBNET: '10.240.76.0/24', NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 60_000,
  }).then(
    (done) => ({ code: 0, output: done.stdout + done.stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
  t.log(run.output);
  t.is(run.code, 1);
  t.regex(run.output, /✔ the app has an address on the stack network/);
  t.regex(run.output, /✘ \[fail\]: a failing test gets the logs/);
  // The logs of the stack, after the failing test, under the hook that names it.
  t.regex(run.output, /afterEach\.always hook for a failing test gets the logs[\s\S]*logs of stack api-ava-[0-9a-z]{6}[\s\S]*app ready\n.*serving requests/);
  const project = /project (api-ava-[0-9a-z]{6})/.exec(run.output)?.[1] ?? '';
  t.not(project, '');
  t.deepEqual(await listProjectContainers(fixture.paths, { project }), []);
  t.deepEqual(await hostLinksMatching(['10.240.76.']), []);
});
