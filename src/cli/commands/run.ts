// `berth run SERVICE [COMMAND...]`: a one-off container of a service; its output here, its exit code ours.
import type { Command } from 'commander';
import { followProjectLogs } from '../../engine/project-logs.js';
import { readProjectContainer } from '../../engine/project-containers.js';
import type { ProgressSnapshot } from '../../engine/request-outcome.js';
import { UserError } from '../../errors.js';
import { attachContainer } from '../../runtime/container-attach.js';
import { ContainerRuntime } from '../../runtime/container-runtime.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import { loadCommandProject } from '../project-command.js';
import type { GlobalOptions } from '../global-options.js';
import { progressReporter } from '../progress/progress-reporter.js';
import { CommandExit } from '../report.js';
import { connectStackEngine } from '../stack-engine-client.js';

interface RunOptions {
  detach?: boolean;
  rm?: boolean;
  env: string[];
  label: string[];
  entrypoint?: string;
  name?: string;
  deps: boolean;
  user?: string;
  workdir?: string;
  servicePorts?: boolean;
  useAliases?: boolean;
  /** `--no-TTY` (-T): commander names it after the flag, in capitals. */
  TTY: boolean;
  interactive: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `-e K=V` (and `-e K`, taken from berth's own environment, as docker does). */
function parseEnvironment(items: readonly string[], env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals === 0) throw new UserError(`-e expects KEY=VALUE, found "${item}"`);
    if (equals > 0) result[item.slice(0, equals)] = item.slice(equals + 1);
    else if (env[item] !== undefined) result[item] = env[item] ?? '';
  }
  return result;
}

function parseLabels(items: readonly string[]): Record<string, string> {
  return Object.fromEntries(items.map((item) => {
    const equals = item.indexOf('=');
    if (equals <= 0) throw new UserError(`-l expects KEY=VALUE, found "${item}"`);
    return [item.slice(0, equals), item.slice(equals + 1)];
  }));
}

export function registerRunCommand(program: Command, context: CommandContext): void {
  program
    .command('run')
    .description('Run a one-off command in a new container of a service (its dependencies are started first)')
    .argument('<service>', 'the service whose configuration the container takes')
    .argument('[command...]', 'the command to run instead of the service’s')
    .option('-d, --detach', 'run in the background and print the container name')
    .option('--rm', 'remove the container when it exits')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect, [])
    .option('-l, --label <KEY=VALUE>', 'add a label (repeatable)', collect, [])
    .option('--entrypoint <command>', 'override the entrypoint (the command then defaults to none)')
    .option('--name <name>', 'name the container (default: <project>-<service>-run-<id>)')
    .option('--no-deps', "don't start the services it depends on")
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('--service-ports', "publish the service's ports (none are published otherwise)")
    .option('--use-aliases', "answer to the service's name and network aliases")
    .option('-T, --no-TTY', 'do not allocate a terminal (one is allocated when berth runs in a terminal)')
    .option('-i, --interactive', 'keep stdin open and forward it (the default)', true)
    .option('--no-interactive', 'do not forward stdin: the container reads end-of-file')
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Examples:
  berth run --rm app ./migrate.sh        run the migration once, remove the container after it
  berth run --rm -e DEBUG=1 app env      the service's environment plus DEBUG
  berth run -d --name job app sleep 60   in the background; \`berth logs\` and \`berth rm\` find it
  berth run --service-ports web          with the service's published ports`,
    )
    .action(async (serviceName: string, command: string[], options: RunOptions, cmd: Command) => {
      const { project } = await loadCommandProject(cmd, context, [serviceName]);
      const engine = await connectStackEngine(context);
      const reporter = progressReporter(cmd.optsWithGlobals<GlobalOptions>(), context, 'up');
      // Attached to the container's stdio when berth owns a real stdin and stdout (not run in-process by a test).
      const attach = !options.detach && context.stdout === process.stdout;
      const tty = attach && options.TTY && process.stdin.isTTY === true && process.stdout.isTTY === true;
      // Progress shows the networks and the dependencies it starts, as compose's does: not every container of the project.
      const dependencies = new Set(options.deps ? Object.keys(project.services[serviceName]?.depends_on ?? {}) : []);
      try {
        const container = await engine.runOneOff(
          project,
          {
            service: serviceName,
            ...(command.length > 0 ? { command } : {}),
            ...(options.entrypoint !== undefined ? { entrypoint: options.entrypoint.split(/\s+/).filter(Boolean) } : {}),
            environment: parseEnvironment(options.env, context.env),
            labels: parseLabels(options.label),
            name: options.name,
            user: options.user,
            workingDir: options.workdir,
            servicePorts: options.servicePorts,
            useAliases: options.useAliases,
            noDeps: !options.deps,
            tty,
            stdinOpen: attach && options.interactive,
            startLater: attach,
          },
          { onState: (state) => reporter.onState(onlyServices(state, dependencies)) },
        );
        await reporter.finish();
        if (options.detach) {
          context.stdout.write(`${container.name}\n`);
          return;
        }
        const exitCode = attach
          ? await attachToExit(context, container.id, { tty, interactive: options.interactive, start: () => engine.startOneOff(project, container.name) })
          : await followToExit(context, project.name, container.id);
        if (options.rm) await engine.removeOneOff(project, container.name);
        if (exitCode !== 0) throw new CommandExit(exitCode);
      } finally {
        await reporter.finish();
        await engine.close();
      }
    });
}

function onlyServices(state: ProgressSnapshot, services: ReadonlySet<string>): ProgressSnapshot {
  const containers = state.observed.containers.filter((container) => services.has(container.service));
  const decided = state.decision && { services: Object.fromEntries(Object.entries(state.decision.services).filter(([name]) => services.has(name))) };
  return { observed: { ...state.observed, containers }, ...(decided ? { decision: decided } : {}) };
}

/**
 * Attach this process's stdio to the container, start it, and relay until it exits (a terminal in raw
 * mode when `tty`, Ctrl-C then reaching the container as a byte); its exit code. Without a terminal,
 * SIGINT and SIGTERM are passed on to the container, as `docker run` proxies them.
 */
async function attachToExit(context: CommandContext, id: string, options: { tty: boolean; interactive: boolean; start(): Promise<void> }): Promise<number> {
  const runtime = new ContainerRuntime(statePathsFromEnv(context.env));
  const attachment = attachContainer(runtime.files(id).bundle, {
    stdin: options.interactive ? process.stdin : undefined,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  // A terminal of unknown size (0×0, as under `script` without one) is left as the container's runtime made it.
  const resize = async (): Promise<void> => {
    const { rows, columns } = process.stdout;
    if (rows > 0 && columns > 0) await attachment.resize(rows, columns).catch(() => undefined);
  };
  const onResize = (): void => void resize();
  const forward = (signal: NodeJS.Signals): void => void runtime.kill(id, signal).catch(() => undefined);
  try {
    if (options.tty) {
      process.stdin.setRawMode(true);
      await resize();
      process.stdout.on('resize', onResize);
    } else {
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
    }
    await options.start();
    await attachment.ended;
    return (await runtime.wait(id, 30_000))?.exitCode ?? -1;
  } finally {
    if (options.tty) {
      process.stdout.off('resize', onResize);
      process.stdin.setRawMode(false);
    }
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    process.stdin.pause();
    await runtime.close();
  }
}

/** Copy the container's output to ours, stream for stream, until it exits; its exit code. */
async function followToExit(context: CommandContext, project: string, id: string): Promise<number> {
  const paths = statePathsFromEnv(context.env);
  const container = await readProjectContainer(paths, id, { project, oneoff: true });
  if (!container) throw new UserError(`the one-off container ${id.slice(0, 12)} vanished before it could be followed`);
  await followProjectLogs(paths, [container], {}, {}, {
    line: ({ entry }) => (entry.stream === 'stderr' ? context.stderr : context.stdout).write(`${entry.text}\n`),
  });
  // Following ends once it has exited (also when it did before following began): the exit file has the code.
  const runtime = new ContainerRuntime(paths);
  try {
    return (await runtime.inspect(id))?.exitCode ?? -1;
  } finally {
    await runtime.close();
  }
}
