import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { main } from '../../../src/cli/main.js';
import { daemonPaths, readPidFile, stopDaemon } from '../../../src/daemon/daemon-process.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { removeEmptyCgroupParent } from '../runtime/runtime-fixture.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { buildBusyboxDockerArchive } from '../../helpers/test-image.js';

const SERVICES = 20;

test('berthd killed with SIGKILL in the middle of an up of 20 services: the next one adopts, converges, and down leaves nothing', async (t) => {
  t.timeout(180_000);
  const paths = await tempStatePaths(t, 'berth-crash');
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-crash-proj-'));
  const env = { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '' };
  const file = path.join(dir, 'compose.yaml');
  const quiet = { write: () => undefined };
  let stderr = '';
  const run = (...args: string[]) => main(['-f', file, ...args], { cwd: dir, env, stdout: quiet, stderr: { write: (text) => void (stderr += text) } });
  t.teardown(async () => {
    await run('down', '-v', '-t', '0').catch(() => undefined);
    await stopDaemon(paths).catch(() => undefined);
    await removeEmptyCgroupParent('berth');
    await rm(dir, { recursive: true, force: true });
  });
  const services = Array.from({ length: SERVICES }, (_, i) => `  s${i}:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n`).join('');
  await writeFile(file, `name: eng-crash\nservices:\n${services}networks:\n  default:\n    ipam:\n      config: [{ subnet: 10.240.16.0/24 }]\n`);
  const archive = path.join(dir, 'busybox.tar');
  buildBusyboxDockerArchive(archive);
  t.is(await main(['image', 'load', '-q', '-i', archive], { cwd: dir, env, stdout: quiet, stderr: quiet }), 0);
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

    stderr = '';
    began = Date.now();
    t.is(await run('up', '-d'), 0, stderr);
    t.log(`up after the kill: ${Date.now() - began} ms`);
    const statuses = await runtime.list();
    t.is(statuses.length, SERVICES);
    t.true(statuses.every((status) => status.state === 'running'));
    t.is(new Set(statuses.map((status) => status.record.name)).size, SERVICES);

    stderr = '';
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
