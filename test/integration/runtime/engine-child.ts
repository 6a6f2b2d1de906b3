// A stand-in engine process for the adoption test: create and start one container, report, then idle.
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';

const [root, run, rootfs, id] = process.argv.slice(2);
if (!root || !run || !rootfs || !id) throw new Error('usage: engine-child ROOT RUN ROOTFS ID');
const runtime = new ContainerRuntime({ root, run });
await runtime.create({
  id,
  name: 'adopted',
  service: { init: true, command: ['sh', '-c', 'echo before; trap "echo got-term; exit 0" TERM; while true; do sleep 0.05; done'] },
  image: { reference: 'busybox:test', config: {} },
  rootfs,
  labels: { 'com.docker.compose.project': 'adopt', 'com.docker.compose.service': 'svc' },
});
await runtime.start(id);
process.stdout.write('started\n');
setInterval(() => undefined, 1000);
