import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { identityFromLabels } from '../../../src/engine/compose-labels.js';
import { daemonPaths, readPidFile } from '../../../src/daemon/daemon-process.js';
import { ContainerRuntime, type ContainerStatus } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

async function byService(runtime: ContainerRuntime): Promise<Record<string, ContainerStatus>> {
  const found: Record<string, ContainerStatus> = {};
  for (const status of await runtime.list()) {
    const service = identityFromLabels(status.record.labels)?.service;
    if (service) found[service] = status;
  }
  return found;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

test('a restarted berthd takes its projects up again: always runs again even if stopped by hand, unless-stopped only if it was not', async (t) => {
  const service = (policy: string): string => `    image: busybox\n    init: true\n    restart: ${policy}\n    command: ["sleep", "3600"]\n`;
  const { paths, run } = await cliFixture(
    t,
    `name: eng-resume\nservices:\n  always:\n${service('always')}  crashed:\n${service('unless-stopped')}  stopped:\n${service('unless-stopped')}` +
      `networks:\n  default:\n    ipam:\n      config: [{ subnet: 10.240.22.0/24 }]\n`,
  );
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());

  t.is((await run('up', '-d')).code, 0);
  t.is((await run('stop', '-t', '0', 'always', 'stopped')).code, 0);

  const pid = readPidFile(daemonPaths(paths).pidFile);
  if (!pid) throw new Error('berthd is not running');
  process.kill(pid, 'SIGKILL');
  // While no berthd watches, a container crashes.
  const crashed = (await byService(runtime)).crashed;
  process.kill(crashed?.pid ?? 0, 'SIGKILL');
  await eventually(async () => (await byService(runtime)).crashed?.state === 'exited', 'the crash to be recorded');

  const started = await run('daemon', 'start');
  t.is(started.code, 0, started.stderr);
  await eventually(async () => {
    const now = await byService(runtime);
    return now.always?.state === 'running' && now.crashed?.state === 'running';
  }, 'always and the crashed unless-stopped service to run again').catch(async (error: unknown) => {
    t.log((await run('ps', '-a')).stdout);
    throw error;
  });
  await delay(500);
  t.is((await byService(runtime)).stopped?.state, 'exited', 'unless-stopped stopped by hand stays stopped');
});
