import test from 'ava';
import { mergeDesired, resumedDesired } from '../../../src/plan/desired-merge.js';
import { desiredStateFromProject, type StackCommand } from '../../../src/plan/desired-state.js';
import type { Project } from '../../../src/spec/model.js';
import { projectMeta } from '../../../src/spec/model.js';

const shop: Project = {
  name: 'shop',
  services: {
    db: { image: 'postgres', restart: 'always' },
    web: { image: 'nginx', depends_on: { db: { condition: 'service_started', required: true } } },
    worker: { image: 'busybox' },
  },
  networks: { default: { name: 'shop_default' } },
  volumes: {},
  secrets: {},
  configs: {},
  [projectMeta]: { workingDir: '/tmp' },
};

const request = (command: StackCommand, services: string[], since: number, project: Project = shop) =>
  desiredStateFromProject(project, { command, services, since });

const goals = (state: ReturnType<typeof mergeDesired>): string[] => state.services.map((s) => `${s.name}:${s.goal}@${s.since}`);

test('a request keeps the services it does not name with their earlier goal and time, in project order', (t) => {
  const merged = mergeDesired(request('up', [], 10), request('stop', ['web'], 20));
  t.deepEqual(goals(merged), ['db:running@10', 'web:stopped@20', 'worker:running@10']);
  t.deepEqual(merged.requested, ['web']);
  t.is(merged.goal, 'up', 'networks stay wanted while a service still runs');
});

test('stopping every service leaves a stop goal for the project', (t) => {
  const merged = mergeDesired(request('up', ['worker'], 10), request('stop', [], 20));
  t.deepEqual(goals(merged), ['db:stopped@20', 'web:stopped@20', 'worker:stopped@20']);
  t.is(merged.goal, 'stop');
});

test('down replaces everything, and the first request of a session stands alone', (t) => {
  const down = request('down', [], 30);
  t.is(mergeDesired(request('up', [], 10), down), down);
  const first = request('up', ['web'], 10);
  t.is(mergeDesired(undefined, first), first);
});

test('a service removed from the project is no longer kept', (t) => {
  const smaller: Project = { ...shop, services: { db: shop.services.db!, web: shop.services.web! } };
  const merged = mergeDesired(request('up', [], 10), request('up', ['web'], 20, smaller));
  t.deepEqual(goals(merged), ['db:running@20', 'web:running@20']);
});

test('restart marks only the named services, which keep running', (t) => {
  const merged = mergeDesired(request('up', [], 10), request('restart', ['db'], 40));
  t.like(merged.services.find((s) => s.name === 'db'), { goal: 'running', restartStartedBefore: 40 });
  t.is(merged.services.find((s) => s.name === 'web')?.restartStartedBefore, undefined);
});

test('a resumed session runs always services again, stopped by hand or not, and leaves the others their goal', (t) => {
  const stoppedAll = mergeDesired(request('up', [], 10), request('stop', [], 20));
  const resumed = resumedDesired(stoppedAll, 99);
  t.deepEqual(goals(resumed), ['db:running@99', 'web:stopped@20', 'worker:stopped@20']);
  t.deepEqual(resumed.requested, []);
  t.is(resumed.goal, 'up');
  t.is(resumedDesired(request('down', [], 30), 99).goal, 'down');
});
