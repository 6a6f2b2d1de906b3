// Restart policies as Docker applies them: which exits restart a container, and after what delay.
import type { ServiceConfig } from '../spec/model.js';
import type { ObservedContainer, RestartPolicy } from './plan-types.js';

/** The first delay, doubled after each quick exit up to the cap (Docker's numbers). */
export const RESTART_BACKOFF_INITIAL_MS = 100;
export const RESTART_BACKOFF_CAP_MS = 60_000;
/** A container that ran this long before exiting starts again from the initial delay. */
export const RESTART_BACKOFF_RESET_AFTER_MS = 10_000;

/**
 * The service's policy: `restart:` wins over `deploy.restart_policy` as in compose (which
 * maps `condition: any` to `always` and `none` to `no`).
 */
export function restartPolicyOf(service: ServiceConfig): RestartPolicy {
  if (service.restart !== undefined) return parseRestartPolicy(service.restart);
  const deploy = service.deploy?.restart_policy;
  if (!deploy) return { kind: 'no' };
  switch (deploy.condition) {
    case 'none':
      return { kind: 'no' };
    case 'on-failure':
      return { kind: 'on-failure', maxRetries: deploy.max_attempts };
    default:
      return { kind: 'always', maxRetries: deploy.max_attempts };
  }
}

/** `no`, `always`, `unless-stopped`, `on-failure`, `on-failure:N` (the loader has checked the form). */
export function parseRestartPolicy(text: string): RestartPolicy {
  const [kind, count] = text.split(':');
  switch (kind) {
    case 'always':
    case 'unless-stopped':
      return { kind };
    case 'on-failure':
      return { kind, maxRetries: count === undefined ? undefined : Number(count) };
    default:
      return { kind: 'no' };
  }
}

/** Whether this exited container should be started again by its policy. */
export function policyRestarts(policy: RestartPolicy, container: ObservedContainer): boolean {
  if (container.stoppedByUser) return false;
  if (policy.maxRetries !== undefined && container.restartCount >= policy.maxRetries) return false;
  switch (policy.kind) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return (container.exitCode ?? 0) !== 0;
    default:
      return false;
  }
}

/**
 * The delay before the next policy restart: 100 ms, doubling after every exit that came quickly,
 * capped at 60 s; a container that ran 10 s or more starts again from 100 ms.
 */
export function nextRestartDelay(container: ObservedContainer): number {
  const ranFor =
    container.startedAt !== undefined && container.finishedAt !== undefined ? container.finishedAt - container.startedAt : 0;
  if (container.lastBackoffMs === undefined || ranFor >= RESTART_BACKOFF_RESET_AFTER_MS) return RESTART_BACKOFF_INITIAL_MS;
  return Math.min(container.lastBackoffMs * 2, RESTART_BACKOFF_CAP_MS);
}
