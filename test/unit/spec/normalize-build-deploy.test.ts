import test from 'ava';
import { normalizeWeb as web } from './normalize-helpers.js';


test('build as a string becomes an absolute context with the default Dockerfile', async (t) => {
  t.deepEqual((await web('services: {web: {build: ./app}}')).build, {
    context: '/srv/demo/app',
    dockerfile: 'Dockerfile',
  });
});

test('build map: context defaults to the project dir; dockerfile_inline suppresses the default Dockerfile', async (t) => {
  t.deepEqual(
    (await web('services: {web: {build: {dockerfile_inline: "FROM alpine", shm_size: 1g, no_cache: false}}}'))
      .build,
    {
      context: '/srv/demo',
      dockerfile_inline: 'FROM alpine',
      shm_size: 1073741824,
    },
  );
});

test('remote build contexts are kept as written', async (t) => {
  for (const context of ['https://github.com/x/y.git', 'git@github.com:x/y.git', 'docker-image://alpine']) {
    t.is((await web(`services: {web: {build: {context: "${context}"}}}`)).build!.context, context);
  }
});

test('deploy: durations canonical, memory in bytes, cpus as numbers, device count all → -1', async (t) => {
  const service = await web(`
services:
  web:
    image: x
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 512M, pids: 100}
        reservations: {devices: [{capabilities: [gpu]}]}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 120s}
      update_config: {parallelism: 2, delay: 10s}
`);
  t.deepEqual(service.deploy, {
    replicas: 2,
    update_config: { parallelism: 2, delay: '10s' },
    resources: {
      limits: { cpus: 0.5, memory: 536870912, pids: 100 },
      reservations: { devices: [{ capabilities: ['gpu'], count: -1 }] },
    },
    restart_policy: { condition: 'on-failure', delay: '5s', max_attempts: 3, window: '2m0s' },
  });
});

test('scale is copied into an existing deploy section, as compose does', async (t) => {
  const service = await web(
    'services: {web: {image: x, scale: 3, deploy: {mode: replicated, labels: [a=b]}}}',
  );
  t.is(service.scale, 3);
  t.deepEqual(service.deploy, { mode: 'replicated', replicas: 3, labels: { a: 'b' } });
});

test('negative scale is refused', async (t) => {
  const error = await t.throwsAsync(web('services: {web: {image: x, scale: -1}}'));
  t.is((error as { keyPath?: string }).keyPath, 'services.web.scale');
});

test('mem_limit that disagrees with deploy.resources.limits.memory is refused', async (t) => {
  const error = await t.throwsAsync(
    web('services: {web: {image: x, mem_limit: 1g, deploy: {resources: {limits: {memory: 512m}}}}}'),
  );
  t.regex(error.message, /can't set distinct values on 'mem_limit'/);
});

test('cpus equal to deploy limits as float32 pass', async (t) => {
  const service = await web(
    'services: {web: {image: x, cpus: 0.1, deploy: {resources: {limits: {cpus: "0.1"}}}}}',
  );
  t.is(service.cpus, 0.1);
});
