// The one container of a service that `exec` and `port` act on: compose's choice (lowest running replica, or --index) and its errors.
import { InvalidArgumentError } from 'commander';
import { listProjectContainers, type ContainerStateName, type ProjectContainer } from '../engine/project-containers.js';
import { UserError } from '../errors.js';
import type { StatePaths } from '../state/paths.js';

/** What Docker lists without `--all`: running, paused and restarting containers. */
const RUNNING_STATES: ReadonlySet<ContainerStateName> = new Set(['running', 'paused', 'restarting']);

export function isRunningState(state: ContainerStateName): boolean {
  return RUNNING_STATES.has(state);
}

/** `--index N`: a container number from 1 (0, compose's default, means "the first running one"). */
export function parseContainerIndex(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a container number, e.g. 2');
  return Number(value);
}

/** compose's order: by container number, a service's replica before a one-off container of the same number. */
export function compareByNumber(a: Pick<ProjectContainer, 'number' | 'oneoff'>, b: Pick<ProjectContainer, 'number' | 'oneoff'>): number {
  if (a.number !== b.number) return a.number - b.number;
  return Number(a.oneoff) - Number(b.oneoff);
}

/**
 * Pick the container among the service's containers (`containers`, any state): the running one with
 * number `index`, or with `index` 0 the running one with the lowest number. Errors word it as compose
 * does ("service \"web\" is not running"), with a hint saying what exists instead.
 */
export function pickServiceContainer(containers: readonly ProjectContainer[], service: string, index: number): ProjectContainer {
  const running = containers.filter((container) => isRunningState(container.state)).sort(compareByNumber);
  const candidates = index > 0 ? running.filter((container) => container.number === index) : running;
  const chosen = candidates[0];
  if (chosen) return chosen;
  if (index > 0 && running.length > 0) {
    const numbers = [...new Set(running.filter((container) => !container.oneoff).map((container) => `#${container.number}`))];
    throw new UserError(`service "${service}" is not running container #${index}`, {
      hint: numbers.length ? `its running containers are ${numbers.join(', ')}; pick one with --index` : 'only one-off containers of it are running',
    });
  }
  const message = index > 0 ? `service "${service}" is not running container #${index}` : `service "${service}" is not running`;
  const stopped = containers.filter((container) => !container.oneoff).sort(compareByNumber);
  if (stopped.length === 0) throw new UserError(message, { hint: `it has no containers; create and start them with \`berth up -d ${service}\`` });
  const states = stopped.map((container) => `${container.name} is ${container.state}`).join(', ');
  throw new UserError(message, { hint: `${states}; start it with \`berth start ${service}\`` });
}

/** The service's container as `pickServiceContainer` chooses it, read from the state on disk. */
export async function findServiceContainer(paths: StatePaths, project: string, service: string, index: number): Promise<ProjectContainer> {
  const containers = await listProjectContainers(paths, { project, services: [service], oneoff: true });
  return pickServiceContainer(containers, service, index);
}
