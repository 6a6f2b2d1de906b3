// `berth ps`: list a project's containers with state, health and ports, as `docker compose ps` does.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UserError } from '../../errors.js';
import { CONTAINER_STATE_NAMES, type ContainerStateName, listProjectContainers } from '../../engine/project-containers.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { checkServiceNames, selectProject } from '../project-selection.js';
import { psJsonLines, psTable } from '../ps-output.js';

interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status: string[];
  filter?: string;
  format: 'table' | 'json';
  trunc: boolean;
  orphans: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Go's bool flag syntax: `--orphans`, `--orphans=false`. */
function parseBooleanFlag(value: string): boolean {
  if (['true', '1', 't', 'TRUE', 'True'].includes(value)) return true;
  if (['false', '0', 'f', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidArgumentError('expected true or false (write --orphans=false)');
}

/** `--status` values and a `--filter status=X`, checked against Docker's state names. */
export function statusFilter(statuses: readonly string[], filter: string | undefined): ContainerStateName[] {
  const all = [...statuses];
  if (filter !== undefined && filter !== '') {
    const separator = filter.indexOf('=');
    if (separator < 0) throw new UserError('arguments to --filter should be in form KEY=VAL', { hint: 'e.g. --filter status=running' });
    const key = filter.slice(0, separator);
    if (key === 'source') throw new UserError('the source filter is not implemented', { hint: 'filter by status' });
    if (key !== 'status') throw new UserError(`unknown filter ${key}`, { hint: 'supported filters: status' });
    all.push(filter.slice(separator + 1));
  }
  for (const status of all) {
    if (!(CONTAINER_STATE_NAMES as readonly string[]).includes(status)) {
      throw new UserError(`invalid status ${JSON.stringify(status)}`, { hint: `one of: ${CONTAINER_STATE_NAMES.join(', ')}` });
    }
  }
  return all as ContainerStateName[];
}

/** What `ps` shows without `--all`: Docker's "running" list, which includes paused and restarting containers. */
const LISTED_BY_DEFAULT: ReadonlySet<ContainerStateName> = new Set(['running', 'paused', 'restarting']);

export function registerPsCommand(program: Command, context: CommandContext): void {
  program
    .command('ps')
    .description('List containers')
    .option('-a, --all', 'show all containers, stopped and one-off ones too (default: running only)')
    .option('-q, --quiet', 'only display container ids')
    .option('--services', 'display the services of the listed containers')
    .option('--status <status>', `filter by state (repeatable): ${CONTAINER_STATE_NAMES.join(', ')}`, collect, [])
    .option('--filter <key=value>', 'filter by a property (supported: status)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--no-trunc', "don't truncate output")
    .addOption(new Option('--orphans [bool]', 'include containers of services the files do not declare').argParser(parseBooleanFlag).default(true))
    .argument('[services...]', 'only these services')
    .addHelpText(
      'after',
      `
Examples:
  berth ps                      running containers of the project
  berth ps -a                   all of them, stopped ones too
  berth -p myapp ps             by project name, without reading a compose file
  berth ps --status exited -q   ids of exited containers
  berth ps --format json        one JSON object per container`,
    )
    .action(async (services: string[], options: PsOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & PsOptions>();
      const statuses = statusFilter(options.status, options.filter);
      const selected = await selectProject(globals, context);
      checkServiceNames(selected, services);
      let wanted = services;
      if (selected.project && services.length === 0 && !options.orphans) {
        // Until orphans are asked for, only the services the files declare (compose's --orphans=false).
        wanted = Object.keys(selected.project.services);
        if (wanted.length === 0) return;
      }
      const all = options.all === true || statuses.length > 0;
      const containers = (await listProjectContainers(statePathsFromEnv(context.env), { project: selected.name, services: wanted, oneoff: all })).filter(
        (container) => (all || LISTED_BY_DEFAULT.has(container.state)) && (statuses.length === 0 || statuses.includes(container.state)),
      );
      if (options.quiet) {
        context.stdout.write(containers.map((container) => `${container.id}\n`).join(''));
      } else if (options.services) {
        context.stdout.write([...new Set(containers.map((container) => container.service))].map((service) => `${service}\n`).join(''));
      } else {
        const render = { truncate: options.trunc, now: Date.now() };
        context.stdout.write(options.format === 'json' ? psJsonLines(containers, render) : psTable(containers, render));
      }
    });
}
