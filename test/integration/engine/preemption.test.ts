// A later request for a project cuts short the wait of the one before it: `down` never queues behind
// an `up --wait` for a service that will not get healthy.
import test from 'ava';
import { SupersededError } from '../../../src/engine/project-session.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { engineFixture } from '../../helpers/engine-fixture.js';

test('down during an up --wait that cannot succeed: the up gives way at once with a clear error, down takes everything away', async (t) => {
  t.timeout(120_000);
  const { engine, project } = await engineFixture(t);
  const stack = await project(`
name: eng-preempt
services:
  never:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1000
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.54.0/24 }]
`);
  const waiting = engine.up(stack, { wait: true, waitTimeoutMs: 600_000 });
  const outcome = waiting.then(() => 'finished', (error: unknown) => error);
  // Once the container runs, the up only waits.
  for (let tries = 0; (engine.session('eng-preempt')?.states$.value?.observed.containers ?? []).every((c) => c.status !== 'running'); tries += 1) {
    if (tries > 200) throw new Error('the container never ran');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const down = await engine.down(stack, { stopTimeoutMs: 0 });
  t.true(down.ok, JSON.stringify(down));
  const error = await outcome;
  t.true(error instanceof SupersededError, String(error));
  t.regex((error as Error).message, /^a later request for project eng-preempt took over before this one finished$/);
  t.deepEqual(await engine.drivers.runtime.list(), []);
  t.deepEqual(await hostLinksMatching(['10.240.54.']), []);
});
