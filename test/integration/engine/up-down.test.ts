import { readdir } from 'node:fs/promises';
import test from 'ava';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { engineFixture } from '../../helpers/engine-fixture.js';
import { hostLinksMatching } from '../../helpers/netns.js';

test('up starts a health-gated pair that finds each other by name, and down leaves nothing', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const project = await load(`
name: eng-pair
services:
  db:
    image: busybox
    command: ["sh", "-c", "while true; do echo ok | nc -l -p 5432; done"]
    healthcheck:
      test: ["CMD-SHELL", "netstat -ltn | grep -q :5432"]
      interval: 200ms
      start_period: 5s
      start_interval: 100ms
  app:
    image: busybox
    command: ["sleep", "3600"]
    init: true
    depends_on:
      db:
        condition: service_healthy
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.1.0/24 }]
`);
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 30_000 });
  t.deepEqual(outcome.failures, []);
  t.true(outcome.ok);
  const app = engine.session('eng-pair')?.context.index.get('eng-pair-app-1');
  t.truthy(app);
  const lookup = await execInContainer(engine.drivers.runtime, app?.id ?? '', { args: ['nslookup', 'db'] });
  t.is(lookup.exitCode, 0, lookup.stdout + lookup.stderr);
  t.regex(lookup.stdout, /10\.240\.1\.\d+/);
  const reach = await execInContainer(engine.drivers.runtime, app?.id ?? '', { args: ['nc', '-w', '2', 'db', '5432'] });
  t.is(reach.stdout.trim(), 'ok');

  const down = await engine.down(project, { stopTimeoutMs: 1000 });
  t.true(down.ok);
  t.deepEqual(await engine.drivers.runtime.list(), []);
  t.deepEqual(await engine.drivers.networks.listNetworks(), []);
  t.deepEqual(await readdir(`${engine.drivers.paths.run}/netns`).catch(() => []), []);
  t.deepEqual(await hostLinksMatching(['10.240.1.']), []);
});
