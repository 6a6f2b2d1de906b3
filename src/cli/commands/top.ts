// `berth top [SERVICE...]`: the processes of a project's running containers, one table, as `docker compose top`.
import type { Command } from 'commander';
import { containerProcessRows, hostUserNames, PS_TITLES, readHostClock } from '../../engine/container-processes.js';
import { listProjectContainers, type ProjectContainer } from '../../engine/project-containers.js';
import { ContainerRuntime } from '../../runtime/container-runtime.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { checkServiceNames, selectProject } from '../project-selection.js';
import { isRunningState } from '../service-container.js';
import { tabColumns } from '../tab-columns.js';

/** One container's processes, ps rows under `PS_TITLES`. */
export interface ContainerProcesses {
  name: string;
  service: string;
  number: number;
  rows: readonly (readonly string[])[];
}

/** compose's table: SERVICE and # (the replica) before ps's columns, containers by name, tabwriter(4, 2). */
export function topTable(containers: readonly ContainerProcesses[]): string {
  const sorted = [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = sorted.flatMap((container) => container.rows.map((row) => [container.service, String(container.number), ...row]));
  if (rows.length === 0) return '';
  return tabColumns([['SERVICE', '#', ...PS_TITLES], ...rows], { minWidth: 4, padding: 2 });
}

async function processesOf(runtime: ContainerRuntime, container: ProjectContainer, context: Parameters<typeof containerProcessRows>[1]): Promise<ContainerProcesses | undefined> {
  const status = await runtime.inspect(container.id);
  if (status?.pid === undefined || (status.state !== 'running' && status.state !== 'paused')) return undefined;
  return { name: container.name, service: container.service, number: container.number, rows: await containerProcessRows(status.pid, context) };
}

export function registerTopCommand(program: Command, context: CommandContext): void {
  program
    .command('top')
    .description('Display the running processes of the containers')
    .argument('[services...]', 'only these services')
    .addHelpText(
      'after',
      `
Columns: SERVICE, # (the replica), then ps -ef's: UID PID PPID C STIME TTY TIME CMD, with host pids.

Examples:
  berth top                 every running container's processes
  berth top web db          only these services
  berth -p myapp top        by project name, without reading a compose file`,
    )
    .action(async (services: string[], _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const selected = await selectProject(globals, context);
      checkServiceNames(selected, services);
      const paths = statePathsFromEnv(context.env);
      const containers = (await listProjectContainers(paths, { project: selected.name, services, oneoff: true })).filter((container) => isRunningState(container.state));
      if (containers.length === 0) return;
      const runtime = new ContainerRuntime(paths);
      try {
        const [clock, names] = await Promise.all([readHostClock(), hostUserNames()]);
        const found = await Promise.all(containers.map((container) => processesOf(runtime, container, { clock, names })));
        context.stdout.write(topTable(found.filter((entry): entry is ContainerProcesses => entry !== undefined)));
      } finally {
        runtime.close();
      }
    });
}
