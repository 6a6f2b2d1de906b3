import test from 'ava';
import { identityFromLabels } from '../../../src/engine/compose-labels.js';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';
import { hostLinksMatching } from '../../helpers/netns.js';

test('berth up --wait hands the stack to berthd: names still resolve after the command returned; down removes it all', async (t) => {
  const { paths, run } = await cliFixture(t, `
name: eng-cli
services:
  db:
    image: busybox
    init: true
    command: ["sh", "-c", "while true; do echo ok | nc -l -p 5432; done"]
    healthcheck:
      test: ["CMD-SHELL", "netstat -ltn | grep -q :5432"]
      interval: 1s
      start_period: 5s
      start_interval: 100ms
  app:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    depends_on:
      db: { condition: service_healthy }
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.12.0/24 }]
`);
  const up = await run('up', '--wait');
  t.is(up.code, 0, up.stderr);
  t.regex(up.stderr, /Container eng-cli-db-1 {2}Healthy/);
  t.regex(up.stderr, /Container eng-cli-app-1 {2}Started/);

  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const app = (await runtime.list()).find((status) => identityFromLabels(status.record.labels)?.service === 'app');
  const lookup = await execInContainer(runtime, app?.record.id ?? '', { args: ['nslookup', 'db'] });
  t.is(lookup.exitCode, 0, lookup.stdout + lookup.stderr);

  const again = await run('up', '-d');
  t.is(again.code, 0, again.stderr);
  t.notRegex(again.stderr, /Created|Started/);

  const down = await run('down', '-v', '-t', '1');
  t.is(down.code, 0, down.stderr);
  t.regex(down.stderr, /Network eng-cli_default {2}Removed/);
  t.deepEqual(await runtime.list(), []);
  t.deepEqual(await hostLinksMatching(['10.240.12.']), []);
});

test('berth up exits 1 and names the service that failed', async (t) => {
  const { run } = await cliFixture(t, `
name: eng-cli-fail
services:
  broken:
    image: busybox
    command: ["no-such-binary"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.13.0/24 }]
`);
  const up = await run('up', '-d');
  t.is(up.code, 1);
  t.regex(up.stderr, /error: up failed: service broken: .*no-such-binary/);
});
