import test from 'ava';
import { desiredStateFromProject } from '../../../src/plan/desired-state.js';
import { parseRestartPolicy, restartPolicyOf } from '../../../src/plan/restart-policy.js';
import type { Project } from '../../../src/spec/model.js';
import { projectMeta } from '../../../src/spec/model.js';

function project(services: Project['services'], extra: Partial<Project> = {}): Project {
  return {
    name: 'shop',
    services,
    networks: { default: { name: 'shop_default' } },
    volumes: {},
    secrets: {},
    configs: {},
    ...extra,
    [projectMeta]: { workingDir: '/tmp' },
  };
}

test('up of one service brings its dependencies along, in project order', (t) => {
  const desired = desiredStateFromProject(
    project({
      db: { image: 'postgres' },
      cache: { image: 'redis' },
      web: { image: 'nginx', depends_on: { db: { condition: 'service_healthy', required: true } } },
    }),
    { command: 'up', services: ['web'], since: 0 },
  );
  t.deepEqual(
    desired.services.map((s) => s.name),
    ['db', 'web'],
  );
  t.deepEqual(desired.knownServices, ['db', 'cache', 'web']);
  t.deepEqual(desired.services[1]?.dependsOn, [{ service: 'db', condition: 'service_healthy', required: true, restart: false }]);
});

test('a service without image runs the image compose would build for it', (t) => {
  const desired = desiredStateFromProject(project({ app: { build: { context: '.' } } }), { command: 'up', since: 0 });
  t.like(desired.services[0], { image: 'shop-app', buildable: true, pullPolicy: 'missing' });
});

test('scale, deploy.replicas and the default of one replica', (t) => {
  const desired = desiredStateFromProject(
    project({ a: { image: 'x', scale: 3 }, b: { image: 'x', deploy: { replicas: 2 } }, c: { image: 'x' } }),
    { command: 'up', since: 0 },
  );
  t.deepEqual(
    desired.services.map((s) => s.replicas),
    [3, 2, 1],
  );
});

test('--force-recreate salts every hash per run; without it the hash is the config hash', (t) => {
  const p = project({ a: { image: 'x' } });
  const plain = desiredStateFromProject(p, { command: 'up', since: 0 }).services[0]?.configHash;
  const forced1 = desiredStateFromProject(p, { command: 'up', since: 0, recreate: 'force', runId: 'r1' }).services[0]?.configHash;
  const forced2 = desiredStateFromProject(p, { command: 'up', since: 0, recreate: 'force', runId: 'r2' }).services[0]?.configHash;
  t.not(plain, forced1);
  t.not(forced1, forced2);
});

test('--force-recreate of named services leaves their dependencies alone; --always-recreate-deps recreates those', (t) => {
  const p = project({ db: { image: 'x' }, web: { image: 'y', depends_on: { db: { condition: 'service_started', required: true } } } });
  const hashes = (extra: Partial<Parameters<typeof desiredStateFromProject>[1]>): Record<string, string> =>
    Object.fromEntries(desiredStateFromProject(p, { command: 'up', since: 0, runId: 'r', services: ['web'], ...extra }).services.map((s) => [s.name, s.configHash]));
  const plain = hashes({});
  const forced = hashes({ recreate: 'force' });
  t.is(forced.db, plain.db);
  t.not(forced.web, plain.web);
  const deps = hashes({ recreateDependencies: true });
  t.not(deps.db, plain.db);
  t.is(deps.web, plain.web);
});

test('network_mode service: and volumes_from make the container wait for the other to exist', (t) => {
  const desired = desiredStateFromProject(
    project({
      vpn: { image: 'x' },
      data: { image: 'x' },
      // The loader also adds depends_on entries for them, as compose does: those must not hide the order.
      app: {
        image: 'x',
        network_mode: 'service:vpn',
        pid: 'service:data',
        volumes_from: ['data:ro', 'container:other'],
        depends_on: { vpn: { condition: 'service_started', required: true, restart: true }, data: { condition: 'service_started', required: true } },
      },
    }),
    { command: 'up', since: 0 },
  );
  t.deepEqual(desired.services[2]?.createAfter, ['vpn', 'data']);
});

test('healthchecks: own test, NONE and disable, or the image HEALTHCHECK', (t) => {
  const desired = desiredStateFromProject(
    project({
      a: { image: 'x', healthcheck: { test: ['CMD', 'true'] } },
      b: { image: 'x', healthcheck: { test: ['NONE'] } },
      c: { image: 'x', healthcheck: { disable: true } },
      d: { image: 'checked' },
      e: { image: 'plain' },
    }),
    { command: 'up', since: 0, imageHasHealthcheck: (image) => image === 'checked' },
  );
  t.deepEqual(
    desired.services.map((s) => s.hasHealthcheck),
    [true, false, false, true, false],
  );
});

test('external networks and volumes are not managed', (t) => {
  const desired = desiredStateFromProject(
    project(
      { a: { image: 'x' } },
      {
        networks: { default: { name: 'shop_default' }, outside: { name: 'corp', external: true } },
        volumes: { data: { name: 'shop_data' }, shared: { name: 'shared', external: true } },
      },
    ),
    { command: 'down', since: 0 },
  );
  t.deepEqual(desired.networks, ['shop_default']);
  t.deepEqual(desired.volumes, ['shop_data']);
});

test('restart policies: restart wins over deploy.restart_policy, whose conditions map to Docker policies', (t) => {
  t.deepEqual(parseRestartPolicy('on-failure:3'), { kind: 'on-failure', maxRetries: 3 });
  t.deepEqual(parseRestartPolicy('unless-stopped'), { kind: 'unless-stopped' });
  t.deepEqual(parseRestartPolicy('no'), { kind: 'no' });
  t.deepEqual(restartPolicyOf({ deploy: { restart_policy: { condition: 'any' } } }), { kind: 'always', maxRetries: undefined });
  t.deepEqual(restartPolicyOf({ deploy: { restart_policy: { condition: 'none' } } }), { kind: 'no' });
  t.deepEqual(restartPolicyOf({ deploy: { restart_policy: { condition: 'on-failure', max_attempts: 2 } } }), {
    kind: 'on-failure',
    maxRetries: 2,
  });
  t.deepEqual(restartPolicyOf({ restart: 'always', deploy: { restart_policy: { condition: 'none' } } }), { kind: 'always' });
});
