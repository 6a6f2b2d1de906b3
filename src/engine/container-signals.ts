// `kill`, `pause` and `unpause`: act on a project's containers directly, and tell its loop what changed.
import type { ObservedContainer } from '../plan/plan-types.js';
import type { ContainerStatus } from '../runtime/container-runtime.js';
import { startProbes } from './container-lifecycle.js';
import type { EngineDrivers } from './engine-drivers.js';
import { projectContainers } from './observe-project.js';
import type { ProjectSession } from './project-session.js';

export type ContainerSignal = { readonly kind: 'kill'; readonly signal: string } | { readonly kind: 'pause' } | { readonly kind: 'unpause' };

/** Which containers each command acts on, as compose picks them. */
const ACTS_ON: Record<ContainerSignal['kind'], readonly ContainerStatus['state'][]> = {
  kill: ['running', 'paused'],
  pause: ['running'],
  unpause: ['paused'],
};

/**
 * Signal, pause or unpause the containers of `services` (all when empty); returns the names acted on.
 * A killed container counts as stopped by hand (no restart policy revives it); a paused one is not probed.
 */
export async function signalContainers(
  drivers: EngineDrivers,
  session: ProjectSession | undefined,
  project: string,
  services: readonly string[],
  command: ContainerSignal,
): Promise<string[]> {
  const selected = (await projectContainers(drivers, project)).filter(
    ({ container, status }) => (services.length === 0 || services.includes(container.identity.service)) && ACTS_ON[command.kind].includes(status.state),
  );
  selected.sort((a, b) => a.container.name.localeCompare(b.container.name));
  await Promise.all(
    selected.map(async ({ container, status }) => {
      const patch = (change: Partial<Pick<ObservedContainer, 'status' | 'stoppedByUser' | 'stoppedBy'>>): void => session?.patchContainer(container.name, change);
      switch (command.kind) {
        case 'kill':
          // Marked before the signal: the exit it causes must find the container stopped by hand.
          patch({ stoppedByUser: true, stoppedBy: 'kill' });
          await drivers.runtime.kill(container.id, command.signal, { byUser: true });
          return;
        case 'pause':
          session?.context.health.stop(container.name);
          await drivers.runtime.pause(container.id);
          patch({ status: 'paused' });
          return;
        case 'unpause': {
          await drivers.runtime.resume(container.id);
          patch({ status: 'running' });
          const startedAt = status.record.startedAt !== undefined ? Date.parse(status.record.startedAt) : Date.now();
          if (session) await startProbes(session.context, container, startedAt);
          return;
        }
      }
    }),
  );
  return selected.map(({ container }) => container.name);
}
