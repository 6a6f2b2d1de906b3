import test from 'ava';
import { listProjectContainers } from '../../../src/engine/project-containers.js';
import { ServiceNotReadyError, up } from '../../../src/api/index.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { apiFixture } from './api-fixture.js';

test('up with an object spec and a profile: waits for health, a log line, a port and an HTTP status; handles give ip, host port, exec, logs; down removes it all', async (t) => {
  const { env, daemonCommand, paths, dir } = await apiFixture(t);
  const started = Date.now();
  const stack = await up({
    projectName: 'api-up',
    projectDirectory: dir,
    env,
    daemonCommand,
    spec: {
      services: {
        db: {
          image: 'busybox',
          init: true,
          command: ['sh', '-c', 'echo db starting; while true; do echo ok | nc -l -p 5432; done'],
          healthcheck: { test: ['CMD-SHELL', 'netstat -ltn | grep -q :5432'], interval: '1s', start_period: '5s', start_interval: '100ms' },
        },
        web: {
          image: 'busybox',
          init: true,
          command: ['sh', '-c', 'echo web ready; exec httpd -f -p 8080 -h /www'],
          ports: ['127.0.0.1::8080'],
        },
        debug: { image: 'busybox', command: ['sleep', '3600'], profiles: ['debug'] },
        tools: { image: 'busybox', init: true, command: ['sleep', '3600'], profiles: ['tools'] },
      },
      networks: { default: { ipam: { config: [{ subnet: '10.240.70.0/24' }] } } },
    },
    profiles: ['tools'],
    wait: {
      db: ['healthy', { port: 5432 }],
      web: [{ log: /web ready/ }, { http: { port: 8080, path: '/index.html', status: 200 } }],
    },
  });
  t.teardown(() => stack.down());
  t.log(`up took ${Date.now() - started} ms`);
  t.is(stack.projectName, 'api-up');
  t.deepEqual(stack.services, ['db', 'tools', 'web']);
  t.is(stack.service('tools').containers[0]?.state, 'running');
  t.regex(stack.service('db').ip, /^10\.240\.70\.\d+$/);
  const web = stack.service('web');
  t.is(web.containers.length, 1);
  t.is(web.containers[0]?.name, 'api-up-web-1');
  t.is(web.containers[0]?.state, 'running');
  const page = await fetch(`http://127.0.0.1:${web.hostPort(8080)}/index.html`);
  t.is(page.status, 200);
  t.regex(await page.text(), /berth busybox/);

  const result = await stack.service('db').exec(['sh', '-c', 'echo $GREETING; echo oops >&2; exit 3'], { env: { GREETING: 'hello' } });
  t.deepEqual(result, { exitCode: 3, stdout: 'hello\n', stderr: 'oops\n' });
  t.regex(await web.logs(), /^web ready$/m);
  t.regex(await stack.logs(), /api-up-db-1 +\| db starting/);
  t.throws(() => web.hostPort(9999), { message: /does not publish port 9999\/tcp/ });
  // @ts-expect-error: the service names of an object spec are a type; at run time too, an unknown one is refused.
  t.throws(() => stack.service('nope'), { message: /no such service: nope/ });

  await stack.down();
  await stack.down(); // twice is fine
  t.deepEqual(await listProjectContainers(paths, { project: 'api-up' }), []);
  t.deepEqual(await hostLinksMatching(['10.240.70.']), []);
});

test('a condition not met in time throws ServiceNotReadyError naming the service with its last log lines, and the stack is taken down', async (t) => {
  const { env, daemonCommand, paths, dir } = await apiFixture(t);
  const error = await t.throwsAsync(
    up({
      projectName: 'api-slow',
      projectDirectory: dir,
      env,
      daemonCommand,
      spec: {
        services: {
          slow: { image: 'busybox', init: true, command: ['sh', '-c', 'for i in 1 2 3; do echo warming up $$i; done; sleep 3600'] },
          quick: { image: 'busybox', init: true, command: ['sh', '-c', 'echo quick ready; sleep 3600'] },
        },
        networks: { default: { ipam: { config: [{ subnet: '10.240.71.0/24' }] } } },
      },
      wait: { slow: { log: /listening/, timeoutMs: 1500 }, quick: { log: /quick ready/ } },
    }),
    { instanceOf: ServiceNotReadyError },
  );
  t.is(error?.service, 'slow');
  t.is(error?.failures.length, 1);
  t.regex(error?.failures[0]?.reason ?? '', /^timed out after 1500 ms waiting for a log line matching \/listening\/ \(last: no matching line yet\)$/);
  t.deepEqual(error?.failures[0]?.logTail, ['warming up 1', 'warming up 2', 'warming up 3']);
  t.regex(error?.message ?? '', /service slow: .*\n.*last 3 log lines:\n {4}\| warming up 1/);
  t.deepEqual(await listProjectContainers(paths, { project: 'api-slow' }), []);
  t.deepEqual(await hostLinksMatching(['10.240.71.']), []);
});

test('a service that exits while being waited for fails at once with its exit code, not after the timeout', async (t) => {
  const { env, daemonCommand, paths, dir } = await apiFixture(t);
  const started = Date.now();
  const error = await t.throwsAsync(
    up({
      projectName: 'api-exit',
      projectDirectory: dir,
      env,
      daemonCommand,
      // Far beyond any CI delay: a wait that ran to its timeout would show here, a fixed small bound would only measure the machine's load.
      timeoutMs: 180_000,
      spec: {
        services: { crash: { image: 'busybox', command: ['sh', '-c', 'echo cannot bind; exit 3'] } },
        networks: { default: { ipam: { config: [{ subnet: '10.240.72.0/24' }] } } },
      },
      wait: { crash: { port: 80 } },
    }),
    { instanceOf: ServiceNotReadyError },
  );
  t.true(Date.now() - started < 90_000);
  t.regex(error?.failures[0]?.reason ?? '', /exited with code 3/);
  t.notRegex(error?.failures[0]?.reason ?? '', /timed out/);
  t.deepEqual(error?.failures[0]?.logTail, ['cannot bind']);
  t.deepEqual(await listProjectContainers(paths, { project: 'api-exit' }), []);
});
