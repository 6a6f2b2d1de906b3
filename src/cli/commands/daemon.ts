// `berth daemon run|start|stop|status`: run berthd in the foreground, start it detached, stop it, show it.
import type { Command } from 'commander';
import { SystemError } from '../../errors.js';
import { runDaemon, type RunDaemonOptions } from '../../daemon/daemon-main.js';
import { daemonPaths, ensureDaemon, pingDaemon, stopDaemon } from '../../daemon/daemon-process.js';
import { type StatePaths, statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import { Engine } from '../../engine/engine.js';
import { engineHandlers } from '../../engine/engine-service.js';
import { readSessionRecords } from '../../engine/session-record.js';
import { leaseHandlers, reapOrphanedLeases } from '../../engine/owner-lease.js';

/** `daemon status` when no daemon runs, as service managers report it (LSB "program is not running"). */
export const DAEMON_NOT_RUNNING_EXIT_CODE = 3;

/** What berthd hosts besides ping and shutdown: one Engine, whose project loops keep running between calls. */
export function hostedDaemonServices(paths: StatePaths): Promise<Pick<RunDaemonOptions, 'handlers' | 'onClose'>> {
  // Opened on the first call, so berthd answers at once; each project is adopted when a request names it.
  let engine: Promise<Engine> | undefined;
  const openEngine = (): Promise<Engine> =>
    (engine ??= Engine.open(paths, { env: process.env }).catch((error: unknown) => {
      engine = undefined; // the next call tries again
      throw error;
    }));
  const onClose = async (): Promise<void> => {
    const opened = await engine?.catch(() => undefined);
    await opened?.close();
  };
  void resumeRecordedSessions(paths, openEngine);
  return Promise.resolve({ handlers: { ...engineHandlers(openEngine), ...leaseHandlers(openEngine, { paths }) }, onClose });
}

/** Projects an earlier berthd looked after are taken up again at once: their restart policies must not wait for a command. */
async function resumeRecordedSessions(paths: StatePaths, openEngine: () => Promise<Engine>): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} berthd[${process.pid}]: ${line}\n`);
  if ((await readSessionRecords(paths)).length === 0) return;
  try {
    // Stacks whose owners' leases died with the last berthd go down rather than up.
    await reapOrphanedLeases(paths, await openEngine(), log);
    const resumed = await (await openEngine()).resume((project, error) => log(`resuming ${project} failed: ${error instanceof Error ? error.message : String(error)}`));
    if (resumed.length > 0) log(`resumed ${resumed.join(', ')}`);
  } catch (error) {
    log(`resuming sessions failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `1h2m3s`, `4m5s`, `6s`. */
export function formatUptime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  const shown = first === -1 ? [] : parts.slice(first);
  return `${shown.map(([value, unit]) => `${value}${unit}`).join('')}${seconds % 60}s`;
}

export function registerDaemonCommands(program: Command, context: CommandContext): void {
  const paths = (): StatePaths => statePathsFromEnv(context.env);
  const daemon = program.command('daemon').description('Manage berthd, the daemon that keeps detached stacks');

  daemon
    .command('run')
    .description('Run berthd in the foreground until SIGTERM or SIGINT (berth starts it this way)')
    .action(async () => {
      const running = await runDaemon(paths(), await hostedDaemonServices(paths()));
      await running.closed;
    });

  daemon
    .command('start')
    .description('Start berthd in the background unless it runs; print its pid')
    .action(async () => {
      const { client, ping, started } = await ensureDaemon(paths(), { env: context.env });
      await client.close();
      context.stderr.write(started ? 'berthd started\n' : 'berthd was already running\n');
      context.stdout.write(`${ping.pid}\n`);
    });

  daemon
    .command('stop')
    .description('Stop berthd (running containers keep running under their monitors)')
    .action(async () => {
      const { pid, wasRunning } = await stopDaemon(paths());
      context.stderr.write(wasRunning ? `berthd stopped (pid ${pid})\n` : 'berthd was not running\n');
    });

  daemon
    .command('status')
    .description(`Show whether berthd runs (exit ${DAEMON_NOT_RUNNING_EXIT_CODE} when it does not)`)
    .action(async () => {
      const ping = await pingDaemon(paths());
      if (!ping) {
        const error = new SystemError('berthd is not running', 'daemon status', 'ESRCH');
        throw Object.assign(error, { exitCode: DAEMON_NOT_RUNNING_EXIT_CODE });
      }
      context.stdout.write(
        `berthd is running: pid ${ping.pid}, up ${formatUptime(ping.uptimeMs)}, version ${ping.version}, socket ${daemonPaths(paths()).socket}\n`,
      );
    });
}
