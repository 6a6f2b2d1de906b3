import path from 'node:path';
import test from 'ava';
import { loadImages } from '../../../src/image/archive-import.js';
import { buildBusyboxDockerArchive } from '../../helpers/test-image.js';
import { engineFixture, execInService } from '../../helpers/engine-fixture.js';

const network = (subnet: string): string => `
networks:
  default:
    ipam:
      config: [{ subnet: ${subnet} }]
`;

test('a one-shot migration completes before the app starts, and the app sees its work', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const project = await load(`
name: eng-migrate
services:
  migrate:
    image: busybox
    command: ["sh", "-c", "sleep 0.3; echo v2 > /data/schema"]
    volumes: [data:/data]
  app:
    image: busybox
    init: true
    command: ["sh", "-c", "cat /data/schema > /data/seen-by-app; exec sleep 3600"]
    volumes: [data:/data]
    depends_on:
      migrate:
        condition: service_completed_successfully
volumes:
  data:
${network('10.240.4.0/24')}`);
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 20_000 });
  t.deepEqual(outcome.failures, []);
  const statuses = Object.fromEntries(outcome.services.map((s) => [s.service, s.status.state]));
  t.deepEqual(statuses, { migrate: 'completed', app: 'running' });
  const seen = await execInService(engine, 'eng-migrate', 'eng-migrate-app-1', ['cat', '/data/seen-by-app']);
  t.is(seen.stdout.trim(), 'v2');
});

test('a migration that fails fails its dependents with the exit code, and the app never starts', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const project = await load(`
name: eng-migrate-bad
services:
  migrate:
    image: busybox
    command: ["sh", "-c", "exit 4"]
  app:
    image: busybox
    command: ["sleep", "3600"]
    depends_on:
      migrate:
        condition: service_completed_successfully
${network('10.240.5.0/24')}`);
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 20_000 });
  t.false(outcome.ok);
  const app = outcome.failures.find((f) => f.service === 'app');
  t.regex(app?.reason ?? '', /migrate/);
  t.regex(app?.reason ?? '', /4/);
  const appContainer = engine.session('eng-migrate-bad')?.states$.value?.observed.containers.find((c) => c.service === 'app');
  t.not(appContainer?.status, 'running');
});

test('an unhealthy dependency fails up --wait and names the service', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const project = await load(`
name: eng-unhealthy
services:
  db:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 2
  web:
    image: busybox
    command: ["sleep", "3600"]
    depends_on:
      db:
        condition: service_healthy
${network('10.240.6.0/24')}`);
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 20_000 });
  t.false(outcome.ok);
  const reasons = Object.fromEntries(outcome.failures.map((f) => [f.service, f.reason]));
  t.is(reasons['db'], 'unhealthy');
  t.regex(reasons['web'] ?? '', /db.*unhealthy/);
});

test('a service without a healthcheck of its own is gated by its image\'s HEALTHCHECK', async (t) => {
  const { engine, paths, project: load } = await engineFixture(t);
  const archive = path.join(paths.run, '..', 'healthy.tar');
  buildBusyboxDockerArchive(archive, {
    tag: 'busybox:with-healthcheck',
    config: { Healthcheck: { Test: ['CMD-SHELL', 'netstat -ltn | grep -q :7000'], Interval: 100_000_000, StartPeriod: 5_000_000_000, StartInterval: 100_000_000 } },
  });
  await loadImages(engine.drivers.images, archive);
  const project = await load(`
name: eng-image-health
services:
  db:
    image: busybox:with-healthcheck
    init: true
    command: ["sh", "-c", "sleep 0.5; while true; do echo ok | nc -l -p 7000; done"]
  app:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    depends_on:
      db: { condition: service_healthy }
${network('10.240.19.0/24')}`);
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 20_000 });
  t.deepEqual(outcome.failures, []);
  t.deepEqual(Object.fromEntries(outcome.services.map((s) => [s.service, s.status.state])), { db: 'healthy', app: 'running' });
});
