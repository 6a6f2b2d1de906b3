// compose's `events`: what happened to a project's containers, read off successive loop states.
import type { ObservedContainer } from '../plan/plan-types.js';

/** One event, with compose's field names (`docker compose events --json`). */
export interface ContainerEvent {
  /** RFC 3339, when berth saw it. */
  readonly time: string;
  readonly type: 'container';
  readonly action: string;
  /** The container name (berth's records are keyed by id; the name is what users act on). */
  readonly id: string;
  readonly service: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The events between two observations of a project's containers: create, start, restart, die,
 * destroy, pause, unpause, and `health_status: healthy|unhealthy`, in that order per container.
 */
export function containerEvents(project: string, before: readonly ObservedContainer[], after: readonly ObservedContainer[], now: number): ContainerEvent[] {
  const time = new Date(now).toISOString();
  const event = (container: ObservedContainer, action: string, extra: Record<string, string> = {}): ContainerEvent => ({
    time,
    type: 'container',
    action,
    id: container.name,
    service: container.service,
    attributes: { name: container.name, project, ...extra },
  });
  const events: ContainerEvent[] = [];
  const old = new Map(before.map((container) => [container.name, container]));
  for (const container of after) {
    const was = old.get(container.name);
    old.delete(container.name);
    if (!was) events.push(event(container, 'create'));
    const startedAgain = was?.startedAt !== undefined && container.startedAt !== undefined && container.startedAt !== was.startedAt;
    if (was?.status === 'paused' && container.status === 'running') events.push(event(container, 'unpause'));
    else if (container.status === 'running' && (was?.status !== 'running' || startedAgain)) {
      // A die we never saw (a restart done in one step) still happened.
      if (startedAgain && was?.status === 'running') events.push(event(container, 'die', { exitCode: String(was.exitCode ?? 0) }));
      events.push(event(container, was?.status === 'exited' || startedAgain ? 'restart' : 'start'));
    } else if (container.status === 'paused' && was?.status !== 'paused') events.push(event(container, 'pause'));
    else if ((container.status === 'exited' || container.status === 'dead') && was?.status !== container.status && was !== undefined && was.status !== 'created') {
      events.push(event(container, 'die', { exitCode: String(container.exitCode ?? -1) }));
    }
    if (container.health !== undefined && container.health !== was?.health && container.health !== 'starting') {
      events.push(event(container, `health_status: ${container.health}`));
    }
  }
  for (const gone of old.values()) events.push(event(gone, 'destroy'));
  return events;
}
