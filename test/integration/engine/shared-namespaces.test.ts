import test from 'ava';
import { identityFromLabels } from '../../../src/engine/compose-labels.js';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

test('network_mode, pid and ipc of service:x join x\'s namespaces, and volumes_from takes its mounts, on a fresh up', async (t) => {
  const { paths, run } = await cliFixture(t, `
name: eng-share
services:
  x:
    image: busybox
    command: ["sh", "-c", "echo shared > /data/mark; exec sleep 3600"]
    volumes: [data:/data]
  y:
    image: busybox
    command: ["sleep", "3601"]
    network_mode: "service:x"
    pid: "service:x"
    ipc: "service:x"
    volumes_from: [x]
volumes:
  data: {}
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.28.0/24 }]
`);
  const up = await run('up', '-d');
  t.is(up.code, 0, up.stderr);
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const byService = new Map((await runtime.list()).map((status) => [identityFromLabels(status.record.labels)?.service, status]));
  const [x, y] = [byService.get('x'), byService.get('y')];
  const inY = async (args: string[]): Promise<string> => (await execInContainer(runtime, y?.record.id ?? '', { args })).stdout;
  const inX = async (args: string[]): Promise<string> => (await execInContainer(runtime, x?.record.id ?? '', { args })).stdout;
  t.regex(await inY(['ps']), /sleep 3600/, "y sees x's processes");
  t.is(await inY(['readlink', '/proc/1/ns/ipc']), await inX(['readlink', '/proc/1/ns/ipc']));
  t.is(await inY(['readlink', '/proc/self/ns/net']), await inX(['readlink', '/proc/self/ns/net']));
  t.is((await inY(['cat', '/data/mark'])).trim(), 'shared');
});
