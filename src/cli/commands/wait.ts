// `berth wait SERVICE...`: block until the services' running containers exit; print each exit code, exit with the first one's.
import type { Command } from 'commander';
import { listProjectContainers } from '../../engine/project-containers.js';
import { UserError } from '../../errors.js';
import { ContainerRuntime } from '../../runtime/container-runtime.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { loadCommandProject, requireSuccess } from '../project-command.js';
import { checkServiceNames, selectProject } from '../project-selection.js';
import { CommandExit } from '../report.js';
import { isRunningState } from '../service-container.js';
import { connectStackEngine } from '../stack-engine-client.js';

interface WaitOptions {
  downProject?: boolean;
}

export function registerWaitCommand(program: Command, context: CommandContext): void {
  program
    .command('wait')
    .description('Block until the running containers of the services exit; exit with the code of the first to exit')
    .argument('<services...>', 'the services to wait for')
    .option('--down-project', 'take the project down (as `down --remove-orphans`) once the first container has exited')
    .addHelpText(
      'after',
      `
Prints \`container "<id>" exited with status code N\` for each container as it exits.

Examples:
  berth wait tests                      until the tests container exits; its exit code is berth's
  berth wait --down-project tests       then remove the whole project
  berth up -d && berth wait migrate && berth logs migrate`,
    )
    .action(async (services: string[], options: WaitOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Taking the project down needs its model: read (and check) it before waiting, not after.
      const loaded = options.downProject ? (await loadCommandProject(command, context)).project : undefined;
      const selected = loaded ? { name: loaded.name, project: loaded } : await selectProject(globals, context);
      checkServiceNames(selected, services);
      const paths = statePathsFromEnv(context.env);
      const containers = (await listProjectContainers(paths, { project: selected.name, services, oneoff: true })).filter((container) => isRunningState(container.state));
      if (containers.length === 0) {
        throw new UserError(`no containers for project "${selected.name}"`, { hint: `none of ${services.join(', ')} is running; see \`berth ps -a\`` });
      }
      const runtime = new ContainerRuntime(paths);
      let first: number | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          let pending = containers.length;
          for (const container of containers) {
            runtime.wait(container.id).then((exit) => {
              const code = exit?.exitCode ?? 0;
              context.stdout.write(`container "${container.id}" exited with status code ${code}\n`);
              first ??= code;
              pending -= 1;
              if (pending === 0 || options.downProject) resolve();
            }, reject);
          }
        });
      } finally {
        runtime.close();
      }
      if (loaded) {
        const engine = await connectStackEngine(context);
        try {
          requireSuccess(await engine.down(loaded, { removeOrphans: true }), 'down');
        } finally {
          await engine.close();
        }
      }
      if (first !== undefined && first !== 0) throw new CommandExit(first);
    });
}
