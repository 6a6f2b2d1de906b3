// Plans as text, one line per action and per service: what golden tests compare and `--dry-run` prints.
import type { Action, Decision, ServiceStatus } from './plan-types.js';

export function formatAction(action: Action): string {
  switch (action.kind) {
    case 'create-network':
      return `create network ${action.network}`;
    case 'remove-network':
      return `remove network ${action.network}`;
    case 'create-volume':
      return `create volume ${action.volume}`;
    case 'remove-volume':
      return `remove volume ${action.volume}`;
    case 'pull-image':
      return `pull image ${action.image} (for ${action.services.join(', ')})`;
    case 'build-image':
      return `build image ${action.image} (for ${action.service})`;
    case 'create-container':
      return `create container ${action.container}`;
    case 'start-container':
      return `start container ${action.container}`;
    case 'restart-container':
      switch (action.reason) {
        case 'policy':
          return `restart container ${action.container} (restart policy, after ${action.backoffMs ?? 0} ms)`;
        case 'dependency':
          return `restart container ${action.container} (a dependency restarted)`;
        case 'user':
          return `restart container ${action.container} (requested)`;
      }
      break;
    case 'stop-container':
      return `stop container ${action.container} (${action.reason})`;
    case 'remove-container':
      return `remove container ${action.container} (${action.reason})`;
    case 'fail-service':
      return `fail service ${action.service}: ${action.reason}${action.exitCode !== undefined ? ` [exit ${action.exitCode}]` : ''}`;
  }
}

export function formatServiceStatus(status: ServiceStatus): string {
  switch (status.state) {
    case 'pending':
    case 'waiting':
    case 'restarting':
    case 'failed':
      return `${status.state}: ${status.detail}`;
    case 'exited':
      return `exited (${status.exitCode})`;
    default:
      return status.state;
  }
}

/** The whole decision: actions, then one status line per service, then timers and orphans. */
export function formatDecision(decision: Decision): string {
  const lines = decision.actions.map(formatAction);
  if (lines.length === 0) lines.push('(no actions)');
  lines.push('--');
  for (const [service, status] of Object.entries(decision.services)) lines.push(`${service}: ${formatServiceStatus(status)}`);
  if (decision.wakeAt !== undefined) lines.push(`wake at ${decision.wakeAt}`);
  if (decision.orphans.length > 0) lines.push(`orphans: ${decision.orphans.join(', ')}`);
  lines.push(decision.settled ? 'settled' : 'not settled');
  return `${lines.join('\n')}\n`;
}
