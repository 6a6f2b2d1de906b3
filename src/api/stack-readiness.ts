// Wait for every service's conditions at once; report each service that was not ready, why, and its last log lines.
import { type WaitClock, systemClock, waitUntilReady } from './readiness-loop.js';
import type { ServiceFailure } from './service-not-ready-error.js';
import { type ServiceContainers, serviceProbe } from './service-probes.js';
import { describeCondition, type WaitCondition } from './wait-for.js';

export interface ReadinessOptions {
  /** Default limit of each service's conditions (one deadline per service, from the start). */
  timeoutMs: number;
  /** The service's containers, read afresh. */
  containers(service: string): ServiceContainers;
  clock?: WaitClock;
}

/** The conditions of one service, one after the other; undefined when all were met, else why not. */
async function waitForService(service: string, conditions: readonly WaitCondition[], options: ReadinessOptions): Promise<string | undefined> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  for (const condition of conditions) {
    const limit = condition.timeoutMs ?? Math.max(0, started + options.timeoutMs - clock.now());
    const probe = serviceProbe(options.containers(service), condition);
    try {
      const result = await waitUntilReady(probe, limit, clock);
      if (result.ready) continue;
      const what = describeCondition(condition);
      return result.timedOut
        ? `timed out after ${Math.round(condition.timeoutMs ?? options.timeoutMs)} ms waiting for ${what} (last: ${result.detail})`
        : `${result.detail} while waiting for ${what}`;
    } finally {
      probe.close();
    }
  }
  return undefined;
}

/**
 * Wait for all services in parallel. Resolves with the services that were not ready (empty: all were),
 * each with `tail` lines of what it printed.
 */
export async function waitForServices(
  conditions: ReadonlyMap<string, readonly WaitCondition[]>,
  options: ReadinessOptions,
  logTail: (service: string) => Promise<string[]>,
): Promise<ServiceFailure[]> {
  const outcomes = await Promise.all(
    [...conditions].map(async ([service, list]) => ({ service, reason: await waitForService(service, list, options) })),
  );
  const failed = outcomes.filter((outcome): outcome is { service: string; reason: string } => outcome.reason !== undefined);
  return Promise.all(failed.map(async ({ service, reason }) => ({ service, reason, logTail: await logTail(service).catch(() => []) })));
}
