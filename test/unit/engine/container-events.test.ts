import test from 'ava';
import { containerEvents } from '../../../src/engine/container-events.js';
import type { ObservedContainer } from '../../../src/plan/plan-types.js';

const web = (status: ObservedContainer['status'], extra: Partial<ObservedContainer> = {}): ObservedContainer => ({
  name: 'p-web-1', service: 'web', number: 1, configHash: 'h', status, restartCount: 0, ...extra,
});
const actions = (before: ObservedContainer[], after: ObservedContainer[]): string[] => containerEvents('p', before, after, 0).map((e) => e.action);

test('a container is created, started, turns healthy, dies, restarts and is destroyed', (t) => {
  t.deepEqual(actions([], [web('created')]), ['create']);
  t.deepEqual(actions([web('created')], [web('running', { startedAt: 5, health: 'starting' })]), ['start']);
  t.deepEqual(actions([web('running', { startedAt: 5, health: 'starting' })], [web('running', { startedAt: 5, health: 'healthy' })]), ['health_status: healthy']);
  t.deepEqual(actions([web('running', { startedAt: 5 })], [web('exited', { startedAt: 5, exitCode: 3 })]), ['die']);
  t.deepEqual(actions([web('exited', { startedAt: 5, exitCode: 3 })], [web('running', { startedAt: 9 })]), ['restart']);
  t.deepEqual(actions([web('running', { startedAt: 5 })], [web('running', { startedAt: 9 })]), ['die', 'restart'], 'a restart seen in one step');
  t.deepEqual(actions([web('running', { startedAt: 5 })], [web('paused', { startedAt: 5 })]), ['pause']);
  t.deepEqual(actions([web('paused', { startedAt: 5 })], [web('running', { startedAt: 5 })]), ['unpause']);
  t.deepEqual(actions([web('exited')], []), ['destroy']);
});

test('events carry compose field names and the exit code of a die', (t) => {
  const [die] = containerEvents('p', [web('running', { startedAt: 5 })], [web('exited', { startedAt: 5, exitCode: 137 })], Date.UTC(2026, 0, 1));
  t.deepEqual(die, {
    time: '2026-01-01T00:00:00.000Z',
    type: 'container',
    action: 'die',
    id: 'p-web-1',
    service: 'web',
    attributes: { name: 'p-web-1', project: 'p', exitCode: '137' },
  });
});
