// `berth daemon run|start|stop|status`: run berthd in the foreground, start it detached, stop it, show it.
import type { Command } from 'commander';
import { SystemError } from '../../errors.js';
import { runDaemon } from '../../daemon/daemon-main.js';
import { daemonPaths, ensureDaemon, pingDaemon, stopDaemon } from '../../daemon/daemon-process.js';
import { type StatePaths, statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';

/** `daemon status` when no daemon runs, as service managers report it (LSB "program is not running"). */
export const DAEMON_NOT_RUNNING_EXIT_CODE = 3;

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
      // Loaded here only: every other command starts faster without the engine's modules.
      const [{ hostedDaemonServices }, { berthdCliHandler }] = await Promise.all([import('../../engine/hosted-engine.js'), import('../berthd-cli-server.js')]);
      const { engine, handlers, onClose } = await hostedDaemonServices(paths());
      const running = await runDaemon(paths(), { handlers: { ...handlers, cli: berthdCliHandler(paths(), engine) }, ...(onClose ? { onClose } : {}) });
      // berthd supervises every stack: a promise nobody awaited is a bug to log, not a reason to drop them all.
      process.on('unhandledRejection', (reason) => {
        const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
        process.stderr.write(`${new Date().toISOString()} berthd[${process.pid}]: unhandled rejection (a bug; berthd goes on): ${detail}\n`);
      });
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
