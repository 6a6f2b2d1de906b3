// Entry point of the `berth` command: parse the command line, run one command, return an exit code.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CommandContext } from './command-context.js';
import { registerBuildCommands } from './commands/build.js';
import { registerConfigCommand } from './commands/config.js';
import { registerContainerCommands } from './commands/container-commands.js';
import { registerDaemonCommands } from './commands/daemon.js';
import { registerImageCommands } from './commands/image.js';
import { registerLifecycleCommands } from './commands/lifecycle.js';
import { registerRunCommand } from './commands/run.js';
import { registerEventsCommand } from './commands/events.js';
import { registerNetworkCommands } from './commands/network.js';
import { registerProjectViewCommands } from './commands/project-view.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerStackCommands } from './commands/stack.js';
import { registerVolumeCommands } from './commands/volume.js';
import { ExitCode } from './exit-codes.js';
import { addGlobalOptions } from './global-options.js';
import { RunInClient, runsInsideBerthd } from './inside-berthd.js';
import { reportError } from './report.js';

export const version: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function buildProgram(context: CommandContext): Command {
  const program = new Command('berth')
    .description('Run multi-container applications from compose files, without a Docker daemon')
    .version(version, '-v, --version', 'print the berth version')
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError(true);
  addGlobalOptions(program);
  if (context.insideBerthd) {
    // Before any action writes a byte: a command that must run in the client is handed back untouched.
    program.hook('preAction', (_program, action) => {
      if (!runsInsideBerthd(commandPath(action), action.opts())) throw new RunInClient(action.name());
    });
  }
  registerConfigCommand(program, context);
  registerImageCommands(program, context);
  registerRegistryCommands(program, context);
  registerNetworkCommands(program, context);
  registerVolumeCommands(program, context);
  registerStackCommands(program, context);
  registerLifecycleCommands(program, context);
  registerRunCommand(program, context);
  registerBuildCommands(program, context);
  registerEventsCommand(program, context);
  registerProjectViewCommands(program, context);
  registerContainerCommands(program, context);
  registerDaemonCommands(program, context);
  program
    .command('version')
    .description('Show the berth version')
    .option('--short', 'print only the version number')
    .action((options: { short?: boolean }) => {
      context.stdout.write(options.short ? `${version}\n` : `berth version ${version}\n`);
    });
  return program;
}

/** The names from the top-level command down to `command`: ['image', 'ls']. */
function commandPath(command: Command): string[] {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) names.unshift(current.name());
  return names;
}

/** Run berth with these arguments (without `node` and the script); resolves to the exit code. */
export async function main(args: string[], context: Partial<CommandContext> = {}): Promise<number> {
  const full: CommandContext = {
    cwd: context.cwd ?? process.cwd(),
    env: context.env ?? process.env,
    stdout: context.stdout ?? process.stdout,
    stderr: context.stderr ?? process.stderr,
    ...(context.insideBerthd ? { insideBerthd: context.insideBerthd } : {}),
  };
  const program = buildProgram(full);
  try {
    await program.parseAsync(args, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof RunInClient) throw error;
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const debug = args.includes('--debug') || full.env.BERTH_DEBUG === '1';
    return reportError(error, full.stderr, debug);
  }
}
