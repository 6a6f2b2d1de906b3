// `berth exec SERVICE COMMAND...`: run a command in a service's running container; its exit code is berth's, as `docker compose exec`.
import { isatty } from 'node:tty';
import { type Command, Option } from 'commander';
import { runTerminalExec } from '../../engine/terminal-exec.js';
import { UserError } from '../../errors.js';
import { ContainerRuntime } from '../../runtime/container-runtime.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { checkServiceNames, selectProject } from '../project-selection.js';
import { CommandExit } from '../report.js';
import { findServiceContainer, parseContainerIndex } from '../service-container.js';

interface ExecOptions {
  detach?: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  index?: number;
  privileged?: boolean;
  /** false with -T/--no-TTY. */
  TTY: boolean;
  /** false with compose's spelling --no-tty; true with its hidden -t/--tty. */
  tty?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `-e K=V` as given; `-e K` takes K from berth's environment (left out when unset), as compose resolves it. */
export function execEnvironment(items: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const result: string[] = [];
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals === 0) throw new UserError(`-e expects KEY=VALUE, found "${item}"`, { hint: 'e.g. -e DEBUG=1' });
    if (equals > 0) result.push(item);
    else if (env[item] !== undefined) result.push(`${item}=${env[item] ?? ''}`);
  }
  return result;
}

/**
 * Whether to allocate a terminal: not with -T or -d, and only when berth's own stdin and stdout are
 * terminals (compose asks stdout alone; a piped stdin through a terminal would be echoed back).
 */
export function wantsTerminal(options: { noTty: boolean; detach: boolean; inherit: boolean; stdinIsTerminal: boolean; stdoutIsTerminal: boolean }): boolean {
  return !options.noTty && !options.detach && options.inherit && options.stdinIsTerminal && options.stdoutIsTerminal;
}

export function registerExecCommand(program: Command, context: CommandContext): void {
  program
    .command('exec')
    .description('Execute a command in a running container of a service')
    .argument('<service>', 'the service whose container runs the command')
    .argument('<command...>', 'the command and its arguments')
    .option('-d, --detach', 'run the command in the background (its output is discarded)')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable; KEY alone takes it from this environment)', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container (default: the service’s)')
    .option('-u, --user <user>', 'run as this user: name or uid[:gid] (default: the service’s)')
    .option('--index <number>', 'which replica, when the service has several (default: the first running one)', parseContainerIndex)
    .option('--privileged', 'give the process every capability')
    .option('-T, --no-TTY', 'do not allocate a terminal (default: one is allocated when stdin and stdout are terminals)')
    .addOption(new Option('--no-tty', 'compose’s spelling of --no-TTY').hideHelp())
    .addOption(new Option('-t, --tty', 'accepted for compose’s sake (a terminal is the default)').hideHelp())
    .addOption(new Option('-i, --interactive', 'accepted for compose’s sake (stdin is always forwarded)').hideHelp())
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Exit status: the command's own; 126 when it cannot be run, 127 when it is not found.

Examples:
  berth exec web sh                          a shell in web's container (a terminal when run from one)
  berth exec -T db psql -c 'select 1'        no terminal: output as it is, for scripts and pipes
  echo 'select 1' | berth exec -T db psql    stdin is forwarded
  berth exec --index 2 -e DEBUG=1 web env    the second replica, with one more variable
  berth exec -d web touch /tmp/flag          in the background; berth returns at once
  berth -p myapp exec web ls                 by project name, without reading a compose file`,
    )
    .action(async (service: string, args: string[], options: ExecOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const selected = await selectProject(globals, context);
      checkServiceNames(selected, [service]);
      const paths = statePathsFromEnv(context.env);
      const container = await findServiceContainer(paths, selected.name, service, options.index ?? 0);
      // The CLI in a shell hands its own file descriptors over; run in-process (tests, the API) it copies output.
      const inherit = context.stdout === process.stdout;
      const tty = wantsTerminal({
        noTty: options.TTY === false || options.tty === false,
        detach: options.detach === true,
        inherit,
        stdinIsTerminal: isatty(0),
        stdoutIsTerminal: isatty(1),
      });
      const runtime = new ContainerRuntime(paths);
      try {
        const exitCode = await runTerminalExec(runtime, container.id, {
          args,
          env: execEnvironment(options.env, context.env),
          user: options.user,
          workdir: options.workdir,
          privileged: options.privileged,
          detach: options.detach,
          tty,
          stdio: inherit ? 'inherit' : { stdout: context.stdout, stderr: context.stderr },
        });
        if (exitCode !== 0) throw new CommandExit(exitCode);
      } finally {
        runtime.close();
      }
    });
}
