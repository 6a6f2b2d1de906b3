// The error `up` throws when a service failed or did not become ready in time: which one, why, and what it printed last.

/** One service that was not ready. */
export interface ServiceFailure {
  readonly service: string;
  /** What was waited for and what happened, e.g. `no log line matched /ready/ within 5000 ms`. */
  readonly reason: string;
  /** The last lines the service's containers printed (oldest first), for the diagnosis. */
  readonly logTail: readonly string[];
}

/** A stack that did not come up: every service that failed or was not ready, with its last log lines. */
export class ServiceNotReadyError extends Error {
  override readonly name = 'ServiceNotReadyError';
  /** The first service that was not ready (see `failures` for all). */
  readonly service: string;

  constructor(
    readonly project: string,
    readonly failures: readonly ServiceFailure[],
  ) {
    super(describeFailures(project, failures));
    this.service = failures[0]?.service ?? '';
  }
}

function describeFailures(project: string, failures: readonly ServiceFailure[]): string {
  const lines = [`project ${project}: ${failures.map(({ service }) => service).join(', ') || 'a service'} not ready`];
  for (const { service, reason, logTail } of failures) {
    lines.push(`  service ${service}: ${reason}`);
    if (logTail.length === 0) lines.push('    (it printed nothing)');
    else lines.push(`    last ${logTail.length} log line${logTail.length === 1 ? '' : 's'}:`, ...logTail.map((line) => `    | ${line}`));
  }
  return lines.join('\n');
}
