// Plain progress lines (compose's `--progress plain` look) from successive loop states: one line per change.
import type { ObservedContainer, ServiceStatus } from '../plan/plan-types.js';
import type { ProgressSnapshot } from '../engine/request-outcome.js';

export interface ProgressPrinter {
  (state: ProgressSnapshot): void;
}

/** Remembers what it printed, and prints what changed since. */
export function progressPrinter(write: (line: string) => void, startedAt = Date.now()): ProgressPrinter {
  let previous: ProgressSnapshot | undefined;
  // Images seen building: they end "Built", not "Pulled".
  const built = new Set<string>();
  const elapsed = (): string => `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
  const line = (kind: string, name: string, what: string): void => write(` ${kind} ${name}  ${what}  ${elapsed()}\n`);
  return (state) => {
    if (!previous) {
      // What existed before the request is the baseline; running containers are reported as compose does.
      for (const container of state.observed.containers) if (container.status === 'running') line('Container', container.name, 'Running');
      previous = state;
      return;
    }
    const before = previous.observed;
    const after = state.observed;
    for (const network of after.networks) if (!before.networks.includes(network)) line('Network', network, 'Created');
    for (const network of before.networks ?? []) if (!after.networks.includes(network)) line('Network', network, 'Removed');
    for (const volume of after.volumes) if (!before.volumes.includes(volume)) line('Volume', volume, 'Created');
    for (const volume of before.volumes ?? []) if (!after.volumes.includes(volume)) line('Volume', volume, 'Removed');
    for (const [image, activity] of Object.entries(state.images ?? {})) if (activity.kind === 'build') built.add(image);
    for (const image of after.refreshedImages) if (!before.refreshedImages.includes(image)) line('Image', image, built.has(image) ? 'Built' : 'Pulled');
    const old = new Map(before.containers.map((c) => [c.name, c]));
    for (const container of after.containers) {
      const change = containerChange(old.get(container.name), container);
      if (change) line('Container', container.name, change);
      old.delete(container.name);
    }
    for (const gone of old.keys()) line('Container', gone, 'Removed');
    for (const [service, status] of Object.entries(state.decision?.services ?? {})) {
      const was = previous.decision?.services[service];
      if (status.state === 'failed' && was?.state !== 'failed') line('Service', service, `Failed: ${status.detail}`);
      else if (status.state === 'waiting' && !sameStatus(was, status)) line('Service', service, `Waiting for ${status.detail}`);
    }
    previous = state;
  };
}

function containerChange(before: ObservedContainer | undefined, after: ObservedContainer): string | undefined {
  if (!before) return 'Created';
  if (before.status !== after.status) {
    switch (after.status) {
      case 'running':
        return after.restartCount > before.restartCount ? `Restarted (${after.restartCount})` : 'Started';
      case 'exited':
        return after.startError !== undefined ? `Error: ${after.startError}` : `Exited (${after.exitCode ?? -1})`;
      default:
        return after.status.charAt(0).toUpperCase() + after.status.slice(1);
    }
  }
  if (before.health !== after.health && after.health !== undefined && after.health !== 'starting') {
    return after.health === 'healthy' ? 'Healthy' : 'Unhealthy';
  }
  return undefined;
}

function sameStatus(a: ServiceStatus | undefined, b: ServiceStatus): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
