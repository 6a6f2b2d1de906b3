import { readdir } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { daemonPaths, readPidFile } from '../../../src/daemon/daemon-process.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';
import { hostLinksMatching } from '../../helpers/netns.js';

const SERVICES = 20;

test('berthd killed with SIGKILL in the middle of an up of 20 services: the next one adopts, converges, and down leaves nothing', async (t) => {
  t.timeout(180_000);
  const services = Array.from({ length: SERVICES }, (_, i) => `  s${i}:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n`).join('');
  const compose = `name: eng-crash\nservices:\n${services}networks:\n  default:\n    ipam:\n      config: [{ subnet: 10.240.16.0/24 }]\n`;
  const { paths, run: cli } = await cliFixture(t, compose, 'berth-crash');
  let stderr = '';
  const run = async (...args: string[]): Promise<number> => {
    const result = await cli(...args);
    stderr = result.stderr;
    return result.code;
  };
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());

  // Two kill points: a few containers made, and most of them made (some starting).
  for (const killAtContainers of [3, 14]) {
    const up = run('up', '-d');
    // Records on disk, not runtime.list(): that asks runc about half-made containers, and polling it loads the machine.
    const made = async (): Promise<number> => (await readdir(path.join(paths.root, 'containers')).catch(() => [])).length;
    for (let waited = 0; waited < 60_000 && (await made()) < killAtContainers; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const pid = readPidFile(daemonPaths(paths).pidFile);
    t.truthy(pid, 'berthd runs');
    if (pid) process.kill(pid, 'SIGKILL');
    let began = Date.now();
    await up;
    t.log(`the interrupted up ended after ${Date.now() - began} ms`);
    const running = (await runtime.list()).filter((status) => status.state === 'running').length;
    t.log(`killed with ${(await runtime.list()).length} containers made, ${running} running`);

    began = Date.now();
    t.is(await run('up', '-d'), 0, stderr);
    t.log(`up after the kill: ${Date.now() - began} ms`);
    const statuses = await runtime.list();
    t.is(statuses.length, SERVICES);
    t.true(statuses.every((status) => status.state === 'running'));
    t.is(new Set(statuses.map((status) => status.record.name)).size, SERVICES);

    began = Date.now();
    t.is(await run('down', '-v', '-t', '0'), 0, stderr);
    t.log(`down: ${Date.now() - began} ms`);
    t.deepEqual(await runtime.list(), []);
    t.deepEqual(await readdir(path.join(paths.run, 'netns')).catch(() => []), []);
    t.deepEqual(await readdir(path.join(paths.root, 'rootfs')).catch(() => []), []);
    t.deepEqual(await readdir(path.join(paths.run, 'creating')).catch(() => []), []);
    t.deepEqual(await hostLinksMatching(['10.240.16.']), []);
  }
});
