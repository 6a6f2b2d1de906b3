import { readdir } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { engineFixture } from '../../helpers/engine-fixture.js';
import { hostLinksMatching } from '../../helpers/netns.js';

test('a command that does not exist fails up with 127 and the service named; down then leaves nothing', async (t) => {
  const { engine, paths, project: load } = await engineFixture(t);
  const project = await load(`
name: eng-fail-start
services:
  ok:
    image: busybox
    init: true
    command: ["sleep", "3600"]
  broken:
    image: busybox
    command: ["no-such-binary"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.10.0/24 }]
`);
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 20_000 });
  t.false(outcome.ok);
  const broken = outcome.failures.find((f) => f.service === 'broken');
  t.regex(broken?.reason ?? '', /no-such-binary/);
  t.falsy(outcome.failures.find((f) => f.service === 'ok'));

  t.true((await engine.down(project, { stopTimeoutMs: 500 })).ok);
  t.deepEqual(await engine.drivers.runtime.list(), []);
  t.deepEqual(await readdir(path.join(paths.run, 'netns')).catch(() => []), []);
  t.deepEqual(await hostLinksMatching(['10.240.10.']), []);
});

test('a container that cannot be created (its host port is taken) leaves no netns or rootfs behind', async (t) => {
  const { engine, paths, project: load } = await engineFixture(t);
  const project = await load(`
name: eng-fail-create
services:
  first:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    ports: ["127.0.0.1:18391:80"]
  second:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    ports: ["127.0.0.1:18391:81"]
    depends_on: [first]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.11.0/24 }]
`);
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 20_000 });
  t.false(outcome.ok);
  // Containers are created before their dependencies start, so either may win the port; the other fails.
  const containers = await engine.drivers.runtime.list();
  t.is(containers.length, 1);
  const winner = containers[0]?.record.name === 'eng-fail-create-first-1' ? 'first' : 'second';
  const loser = winner === 'first' ? 'second' : 'first';
  t.regex(JSON.stringify([...outcome.failures, ...outcome.errors]), new RegExp(`${loser}[\\s\\S]*18391`));
  t.is((await readdir(path.join(paths.run, 'netns'))).length, 1);
  t.is((await readdir(path.join(paths.root, 'rootfs'))).length, 1);
  t.true((await engine.down(project, { stopTimeoutMs: 500 })).ok);
  t.deepEqual(await readdir(path.join(paths.root, 'rootfs')), []);
});
