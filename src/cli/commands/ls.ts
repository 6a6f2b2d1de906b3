// `berth ls`: the projects that have containers, with their states and compose files, as `docker compose ls`.
import { type Command, Option } from 'commander';
import { listProjects, type ProjectSummary } from '../../engine/project-list.js';
import { UserError } from '../../errors.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import { tabColumns } from '../tab-columns.js';

interface LsOptions {
  all?: boolean;
  quiet?: boolean;
  format: 'table' | 'json';
  filter: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `--filter name=X` (repeatable; a project matches when any X matches its name, as a regular expression like Docker's). */
export function nameFilter(filters: readonly string[]): ((name: string) => boolean) | undefined {
  if (filters.length === 0) return undefined;
  const patterns = filters.map((filter) => {
    const separator = filter.indexOf('=');
    if (separator < 0) throw new UserError(`bad format of filter (expected name=value), found "${filter}"`, { hint: 'e.g. --filter name=myapp' });
    const key = filter.slice(0, separator);
    if (key !== 'name') throw new UserError(`invalid filter '${key}'`, { hint: 'ls filters by name only: --filter name=REGEX' });
    const value = filter.slice(separator + 1);
    try {
      return new RegExp(value);
    } catch {
      throw new UserError(`--filter name=${value}: not a regular expression`, { hint: 'e.g. --filter name=^web' });
    }
  });
  return (name) => patterns.some((pattern) => pattern.test(name));
}

/** compose's table: NAME, STATUS, CONFIG FILES through tabwriter(20, 3). */
export function lsTable(projects: readonly ProjectSummary[]): string {
  return tabColumns([['NAME', 'STATUS', 'CONFIG FILES'], ...projects.map((project) => [project.Name, project.Status, project.ConfigFiles])], { minWidth: 20, padding: 3 });
}

export function registerLsCommand(program: Command, context: CommandContext): void {
  program
    .command('ls')
    .description('List projects that have running containers (all projects with -a)')
    .option('-a, --all', 'show projects whose containers are all stopped too')
    .option('-q, --quiet', 'only display project names')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--filter <name=value>', 'filter projects by name (a regular expression; repeatable)', collect, [])
    .addHelpText(
      'after',
      `
Examples:
  berth ls                      projects with running containers: NAME, STATUS (running(3), exited(1)), CONFIG FILES
  berth ls -a                   stopped projects too
  berth ls -q --filter name=^cc names of the projects whose name starts with cc
  berth ls --format json        a JSON array of {Name, Status, ConfigFiles}`,
    )
    .action(async (options: LsOptions) => {
      const matches = nameFilter(options.filter);
      const projects = (await listProjects(statePathsFromEnv(context.env), { all: options.all })).filter((project) => !matches || matches(project.Name));
      if (options.quiet) {
        context.stdout.write(projects.map((project) => `${project.Name}\n`).join(''));
      } else if (options.format === 'json') {
        context.stdout.write(`${JSON.stringify(projects)}\n`);
      } else {
        context.stdout.write(lsTable(projects));
      }
    });
}
