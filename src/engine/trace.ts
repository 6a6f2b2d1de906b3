// BERTH_TRACE=1: one line per loop action, result and exit on stderr (berthd's log), for chasing races.
const enabled = process.env['BERTH_TRACE'] === '1';

export function trace(project: string, line: () => string): void {
  if (enabled) process.stderr.write(`${new Date().toISOString()} trace ${project}: ${line()}\n`);
}
