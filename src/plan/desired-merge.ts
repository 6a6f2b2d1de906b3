// A session's desired state after a new request: the request's services take their new goal, the rest keep theirs.
import type { DesiredService, DesiredState } from './plan-types.js';

/**
 * `up web` after `up` must not stop supervising db, and `stop web` must not stop db: services a
 * request does not name keep the goal (and the `since`) an earlier request gave them. Services gone
 * from the project are dropped (their containers become orphans); `down` replaces everything.
 */
export function mergeDesired(previous: DesiredState | undefined, next: DesiredState): DesiredState {
  if (!previous || next.goal === 'down') return next;
  const named = new Set(next.services.map((service) => service.name));
  const known = new Set(next.knownServices);
  const kept = previous.services.filter((service) => !named.has(service.name) && known.has(service.name));
  if (kept.length === 0) return next;
  const services: DesiredService[] = [...next.services, ...kept];
  // Project order, so plans and progress list services as the compose file does.
  const order = new Map(next.knownServices.map((name, index) => [name, index]));
  services.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  const anyActive = services.some((service) => service.goal === 'running' || service.goal === 'created');
  return { ...next, services, goal: anyActive ? 'up' : next.goal };
}

/**
 * The goal a restarted berthd takes a session up again with, as dockerd treats containers when it
 * starts: `always` services run again even if stopped by hand; every other service keeps its goal,
 * and its restart policy judges the exits that happened meanwhile (`unless-stopped` skips those
 * stopped by hand). No request waits on it.
 */
export function resumedDesired(desired: DesiredState, now: number): DesiredState {
  const services = desired.services.map((service): DesiredService =>
    service.restart.kind === 'always' && service.goal !== 'removed' && service.goal !== 'created'
      ? { ...service, goal: 'running', since: now, restartStartedBefore: undefined }
      : { ...service, restartStartedBefore: undefined },
  );
  const anyActive = services.some((service) => service.goal === 'running' || service.goal === 'created');
  return { ...desired, services, requested: [], goal: desired.goal === 'down' ? 'down' : anyActive ? 'up' : desired.goal };
}
