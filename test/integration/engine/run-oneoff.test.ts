import test from 'ava';
import { identityFromLabels } from '../../../src/engine/compose-labels.js';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

test('run starts the dependencies, streams the one-off output, exits with its code, and --rm removes it; down removes detached ones', async (t) => {
  const { paths, run } = await cliFixture(t, `
name: eng-run
services:
  db:
    image: busybox
    init: true
    command: ["sleep", "3600"]
  app:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    environment: { FOO: bar }
    ports: ["127.0.0.1:18431:80"]
    depends_on: [db]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.24.0/24 }]
`);
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const containers = async () =>
    (await runtime.list()).map((status) => ({ status, identity: identityFromLabels(status.record.labels) }));

  const once = await run('run', '--rm', '-e', 'EXTRA=x', 'app', 'sh', '-c', 'echo out; echo err >&2; nslookup db >/dev/null && echo resolved; echo $FOO $EXTRA; exit 3');
  t.is(once.code, 3, once.stderr);
  t.regex(once.stdout, /^out\nresolved\nbar x\n$/);
  t.regex(once.stderr, /err\n/);
  const afterOnce = await containers();
  t.deepEqual(afterOnce.map(({ identity }) => identity?.service), ['db'], 'the dependency runs, the one-off is gone');

  const detached = await run('run', '-d', '--name', 'eng-run-job', 'app', 'sleep', '30');
  t.is(detached.code, 0, detached.stderr);
  t.is(detached.stdout, 'eng-run-job\n');
  const job = (await containers()).find(({ status }) => status.record.name === 'eng-run-job');
  t.true(job?.identity?.oneoff);
  t.is(job?.status.state, 'running');
  // A one-off answers to its own name, not to its service's.
  const db = (await containers()).find(({ identity }) => identity?.service === 'db');
  t.is((await execInContainer(runtime, db?.status.record.id ?? '', { args: ['nslookup', 'eng-run-job'] })).exitCode, 0);
  t.not((await execInContainer(runtime, db?.status.record.id ?? '', { args: ['nslookup', 'app'] })).exitCode, 0);

  const down = await run('down', '-t', '0');
  t.is(down.code, 0, down.stderr);
  t.deepEqual(await runtime.list(), []);
});
