// up() on its own, with the compose document as an object: what a stack that never becomes ready looks like.
import test from 'ava';
import { ServiceNotReadyError, up } from 'berth';

test('a service that never prints its ready line fails up() with the line it printed last', async (t) => {
  const error = await t.throwsAsync(
    up({
      projectName: `readiness-${process.pid}`,
      spec: {
        services: {
          slow: { image: 'busybox', command: ['sh', '-c', 'echo still warming up; sleep 3600'] },
        },
      },
      wait: { slow: { log: /ready to serve/, timeoutMs: 1500 } },
    }),
    { instanceOf: ServiceNotReadyError },
  );
  t.is(error?.service, 'slow');
  t.deepEqual(error?.failures[0]?.logTail, ['still warming up']);
  // up() took the stack down before it threw: nothing to clean.
});

test('a stack for one test: up, use, down', async (t) => {
  const stack = await up({
    projectName: `one-test-${process.pid}`,
    spec: { services: { echo: { image: 'busybox', command: ['sleep', '3600'] } } },
  });
  t.teardown(() => stack.down());
  const { stdout } = await stack.service('echo').exec(['echo', 'hello']);
  t.is(stdout, 'hello\n');
});
