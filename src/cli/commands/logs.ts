// `berth logs`: the output of a project's containers, merged in time order, optionally followed, as `docker compose logs`.
import { type Command, InvalidArgumentError } from 'commander';
import { UserError, ValueError } from '../../errors.js';
import { parseTimeBound } from '../../engine/log-time.js';
import { listProjectContainers, type ProjectContainer } from '../../engine/project-containers.js';
import { followProjectLogs, type LogWindow, readProjectLogs } from '../../engine/project-logs.js';
import { policyRestarts, restartPolicyOf } from '../../plan/restart-policy.js';
import type { Project } from '../../spec/model.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { LogPrinter, wantsColour } from '../log-printer.js';
import { checkServiceNames, selectProject } from '../project-selection.js';

interface LogsOptions {
  follow?: boolean;
  tail: string;
  since?: string;
  until?: string;
  timestamps?: boolean;
  logPrefix: boolean;
  color: boolean;
  index?: number;
}

export interface LogsCommandOptions {
  /** Ends `--follow` (besides SIGINT); for callers that run the CLI in-process. */
  signal?: AbortSignal | undefined;
}

/** `--tail`: a count of lines per container, or `all` (Docker takes a negative count as all too). */
export function parseTail(value: string): number | undefined {
  if (value === 'all' || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw new UserError(`expected a number of lines or "all" for --tail, found "${value}"`, { hint: 'e.g. --tail 100' });
  const count = Number(value);
  return count < 0 ? undefined : count;
}

function parseIndex(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a container number, e.g. 2');
  return Number(value);
}

function timeBound(flag: string, value: string | undefined, now: number): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return parseTimeBound(value, now);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(`${flag}: ${error.message}`, { hint: error.hint });
    throw error;
  }
}

/** compose's log name: the container name without the project prefix, unless `container_name` chose it. */
export function logName(container: Pick<ProjectContainer, 'name' | 'project' | 'service' | 'number'>): string {
  const defaultName = `${container.project}-${container.service}-${container.number}`;
  return container.name === defaultName ? container.name.slice(container.project.length + 1) : container.name;
}

/** Whether the service's restart policy starts an exited container again (so `--follow` keeps waiting for it). */
export function restartsByPolicy(project: Project | undefined): (container: ProjectContainer, exit: { exitCode: number; restartCount: number }) => boolean {
  return (container, { exitCode, restartCount }) => {
    const service = project?.services[container.service];
    if (!service) return false;
    return policyRestarts(restartPolicyOf(service), {
      name: container.name,
      service: container.service,
      number: container.number,
      configHash: '',
      status: 'exited',
      exitCode,
      restartCount,
    });
  };
}

export function registerLogsCommand(program: Command, context: CommandContext, commandOptions: LogsCommandOptions = {}): void {
  program
    .command('logs')
    .description('View output from containers')
    .option('-f, --follow', 'follow log output (ends when every container has stopped, or on Ctrl-C)')
    .option('-n, --tail <lines>', 'number of lines to show from the end of the logs of each container, or "all"', 'all')
    .option('--since <time>', 'show logs since a time (2013-01-02T13:23:37Z) or a duration back from now (42m)')
    .option('--until <time>', 'show logs before a time (2013-01-02T13:23:37Z) or a duration back from now (42m)')
    .option('-t, --timestamps', 'show timestamps')
    .option('--no-log-prefix', "don't print the container name before each line")
    .option('--no-color', 'produce monochrome output')
    .option('--index <number>', 'the container of the service with this number (when it has several replicas)', parseIndex)
    .argument('[services...]', 'only these services')
    .addHelpText(
      'after',
      `
Examples:
  berth logs                       everything the project's containers printed, in time order
  berth logs -f --tail 10 web      the last 10 lines of web, then new lines as they come
  berth logs --since 10m -t        the last ten minutes, with timestamps
  berth -p myapp logs              by project name, without reading a compose file`,
    )
    .action(async (services: string[], options: LogsOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & LogsOptions>();
      if (options.index !== undefined && options.index > 0 && services.length !== 1) {
        throw new UserError('--index requires one service to be selected', { hint: 'e.g. berth logs --index 2 web' });
      }
      const now = Date.now();
      const window: LogWindow = {
        tail: parseTail(options.tail),
        sinceNs: timeBound('--since', options.since, now),
        untilNs: timeBound('--until', options.until, now),
      };
      const selected = await selectProject(globals, context);
      checkServiceNames(selected, services);
      let wanted = services;
      if (selected.project && services.length === 0) {
        // Services with `attach: false` stay quiet until named (compose).
        wanted = Object.entries(selected.project.services)
          .filter(([, service]) => service.attach !== false)
          .map(([name]) => name);
        if (wanted.length === 0) return;
      }
      const query = { project: selected.name, services: wanted };
      const paths = statePathsFromEnv(context.env);
      let containers = await listProjectContainers(paths, query);
      if (options.index !== undefined && options.index > 0) {
        containers = containers.filter((container) => container.number === options.index);
        if (containers.length === 0) throw new UserError(`service "${services[0]}" is not running container #${options.index}`);
      }
      const printer = new LogPrinter(context.stdout, {
        colour: wantsColour({ noColor: !options.color, env: context.env, stdout: context.stdout }),
        prefix: options.logPrefix,
        timestamps: options.timestamps === true,
      });
      for (const container of containers) printer.register(logName(container), container.service);
      if (!options.follow) {
        for (const line of await readProjectLogs(containers, window)) printer.line(logName(line.container), line.entry.text, line.ns);
        return;
      }
      const stop = new AbortController();
      const onSigint = (): void => stop.abort();
      process.once('SIGINT', onSigint);
      const external = commandOptions.signal;
      const onExternal = (): void => stop.abort();
      external?.addEventListener('abort', onExternal, { once: true });
      if (external?.aborted) stop.abort();
      try {
        await followProjectLogs(
          paths,
          containers,
          window,
          { signal: stop.signal, restarts: restartsByPolicy(selected.project), discover: options.index ? undefined : query },
          {
            line: (line) => printer.line(logName(line.container), line.entry.text, line.ns),
            added: (container) => printer.register(logName(container), container.service),
            exited: (container, exitCode, restarting) =>
              printer.status(logName(container), `exited with code ${exitCode}${restarting ? ' (restarting)' : ''}`),
          },
        );
      } finally {
        process.off('SIGINT', onSigint);
        external?.removeEventListener('abort', onExternal);
      }
    });
}
