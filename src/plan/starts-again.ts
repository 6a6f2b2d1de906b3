// Which exited containers a request starts again, rather than reading their exit as this run's outcome.
import type { DesiredService, ObservedContainer } from './plan-types.js';

/**
 * An exited container this request starts again: one that ended before the request, or one berth
 * stopped for a goal that this request has replaced (a `down` cut short by a crash and resumed, whose
 * stops finish after the `up` that follows): no failure. A kill stands until the next request.
 */
export function startsAgain(service: DesiredService, container: ObservedContainer): boolean {
  return (container.finishedAt ?? 0) < service.since || container.stoppedBy === 'stop';
}

/** An exit that an action still under way on the container may overrule: its result says how the container ended. */
export function exitUnderReview(container: ObservedContainer, busy: (container: string) => boolean): boolean {
  return (container.status === 'exited' || container.status === 'dead') && busy(container.name);
}

/** An exited container of a running service that will be started again: what it did before is no result of this run. */
export function awaitsRestart(service: DesiredService, container: ObservedContainer): boolean {
  return service.goal === 'running' && (container.status === 'exited' || container.status === 'dead') && startsAgain(service, container);
}
