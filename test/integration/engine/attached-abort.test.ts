import test from 'ava';
import { identityFromLabels } from '../../../src/engine/compose-labels.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

test('attached up --abort-on-container-exit stops the stack when one exits and returns its code; --exit-code-from returns the named one', async (t) => {
  const { paths, run } = await cliFixture(t, `
name: eng-abort
services:
  job:
    image: busybox
    command: ["sh", "-c", "sleep 0.3; echo job-done; exit 4"]
  srv:
    image: busybox
    init: true
    command: ["sh", "-c", "echo srv-up; exec sleep 3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.25.0/24 }]
`);
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const states = async (): Promise<Record<string, string>> =>
    Object.fromEntries((await runtime.list()).map((status) => [identityFromLabels(status.record.labels)?.service ?? '?', status.state]));

  const aborted = await run('up', '--abort-on-container-exit', '-t', '1');
  t.is(aborted.code, 4, aborted.stderr);
  t.regex(aborted.stdout, /job-done/);
  t.regex(aborted.stderr, /Aborting on container exit/);
  t.deepEqual(await states(), { job: 'exited', srv: 'exited' });

  const fromSrv = await run('up', '--exit-code-from', 'srv', '--no-attach', 'job', '-t', '1');
  // srv was stopped by the abort: tini passes SIGTERM on and sleep dies of it (128 + 15).
  t.is(fromSrv.code, 143, fromSrv.stderr);
  t.notRegex(fromSrv.stdout, /job-done/);
  t.regex(fromSrv.stdout, /srv-up/);

  const detached = await run('up', '-d', '--abort-on-container-exit');
  t.is(detached.code, 1);
  t.regex(detached.stderr, /need an attached up/);
});
