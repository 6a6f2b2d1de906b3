// `berth start|restart|rm|create` (requests to the project's loop) and `kill|pause|unpause` (acts on its containers).
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ContainerSignal } from '../../engine/container-signals.js';
import type { StackEngine } from '../../engine/engine-service.js';
import { UserError, ValueError } from '../../errors.js';
import type { PullPolicy } from '../../plan/plan-types.js';
import { normalizeSignal } from '../../runtime/signal-name.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { loadCommandProject, parseSeconds, requireSuccess } from '../project-command.js';
import { checkServiceNames, selectProject } from '../project-selection.js';
import { progressReporter } from '../progress/progress-reporter.js';
import type { ProgressVerb } from '../progress/progress-rows.js';
import type { RequestOutcome } from '../../engine/request-outcome.js';
import { connectStackEngine } from '../stack-engine-client.js';
import { withScale } from './stack.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Open an engine for one command and close it whatever happens. */
async function withEngine<T>(context: CommandContext, run: (engine: StackEngine) => Promise<T>): Promise<T> {
  const engine = await connectStackEngine(context);
  try {
    return await run(engine);
  } finally {
    await engine.close();
  }
}

/** One request with the progress display the global options choose (rows, plain lines, json or nothing). */
async function withProgress(
  context: CommandContext,
  command: Command,
  verb: ProgressVerb,
  run: (engine: StackEngine, onState: ReturnType<typeof progressReporter>['onState']) => Promise<RequestOutcome>,
): Promise<RequestOutcome> {
  const reporter = progressReporter(command.optsWithGlobals<GlobalOptions>(), context, verb);
  try {
    const outcome = await withEngine(context, (engine) => run(engine, reporter.onState));
    await reporter.finish(outcome);
    return outcome;
  } finally {
    await reporter.finish();
  }
}

export function registerLifecycleCommands(program: Command, context: CommandContext): void {
  const timeoutOf = (options: { timeout?: string }): { stopTimeoutMs?: number } =>
    options.timeout !== undefined ? { stopTimeoutMs: parseSeconds(options.timeout, '--timeout') } : {};

  program
    .command('start')
    .description('Start the existing containers of the services (all, or those named), in dependency order')
    .argument('[services...]', 'only these services (and what they depend on)')
    .addHelpText('after', '\nExamples:\n  berth start                   start every stopped container of the project\n  berth start web               start web (and its stopped dependencies)')
    .action(async (services: string[], _options: unknown, command: Command) => {
      const { project } = await loadCommandProject(command, context, services);
      const outcome = await withProgress(context, command, 'up', (engine, onState) => engine.start(project, { services }, { onState }));
      requireSuccess(outcome, 'start');
    });

  program
    .command('restart')
    .description('Restart the containers of the services: running ones are stopped and started again, stopped ones started')
    .argument('[services...]', 'only these services')
    .option('-t, --timeout <seconds>', 'grace period before SIGKILL')
    .addHelpText('after', '\nExamples:\n  berth restart                 restart every container of the project\n  berth restart -t 0 web        restart web without waiting for a graceful exit')
    .action(async (services: string[], options: { timeout?: string }, command: Command) => {
      const { project } = await loadCommandProject(command, context, services);
      const outcome = await withProgress(context, command, 'up', (engine, onState) => engine.restart(project, { services, ...timeoutOf(options) }, { onState }));
      requireSuccess(outcome, 'restart');
    });

  program
    .command('rm')
    .description('Remove stopped containers of the services (all, or those named); networks and volumes stay')
    .argument('[services...]', 'only these services')
    .option('-f, --force', "don't ask to confirm (berth never asks: accepted for compose's sake)")
    .option('-s, --stop', 'stop the containers first if they run')
    .option('-v, --volumes', "remove the containers' anonymous volumes too")
    .option('-t, --timeout <seconds>', 'with --stop: grace period before SIGKILL')
    .addHelpText('after', '\nExamples:\n  berth rm                      remove every stopped container of the project\n  berth rm -s -f web            stop web and remove its containers')
    .action(async (services: string[], options: { stop?: boolean; timeout?: string }, command: Command) => {
      const { project } = await loadCommandProject(command, context, services);
      const outcome = await withProgress(context, command, 'down', (engine, onState) => engine.rm(project, { services, stop: options.stop, ...timeoutOf(options) }, { onState }));
      if (outcome.services.length === 0) context.stderr.write('No stopped containers\n');
      requireSuccess(outcome, 'rm');
    });

  program
    .command('create')
    .description('Create the containers of the services (and their networks, volumes and images) without starting them')
    .argument('[services...]', 'only these services (and what they depend on)')
    .option('--force-recreate', 'recreate containers even if their configuration is unchanged')
    .option('--no-recreate', 'keep existing containers even if their configuration changed')
    .option('--remove-orphans', 'remove containers of services no longer in the compose file')
    .addOption(new Option('--pull <policy>', 'pull images first').choices(['always', 'missing', 'never']))
    .option('--scale <service=n>', 'create n replicas of a service (repeatable)', collect, [])
    .addHelpText('after', '\nExamples:\n  berth create                  create everything; `berth start` starts it later\n  berth create --scale web=2    two containers for web')
    .action(async (services: string[], options: { forceRecreate?: boolean; recreate: boolean; removeOrphans?: boolean; pull?: PullPolicy; scale: string[] }, command: Command) => {
      if (options.forceRecreate && !options.recreate) throw new UserError('--force-recreate and --no-recreate cannot be used together');
      const { project } = await loadCommandProject(command, context, services);
      const outcome = await withProgress(context, command, 'up', (engine, onState) =>
        engine.up(
          withScale(project, options.scale),
          {
            services,
            noStart: true,
            recreate: options.forceRecreate ? 'force' : options.recreate ? 'diverged' : 'never',
            removeOrphans: options.removeOrphans,
            pull: options.pull,
          },
          { onState },
        ),
      );
      requireSuccess(outcome, 'create');
    });

  const signalCommand = (name: 'kill' | 'pause' | 'unpause', description: string, examples: string, commandOf: (options: { signal: string }) => ContainerSignal, verb: string): Command =>
    program
      .command(name)
      .description(description)
      .argument('[services...]', 'only these services')
      .addHelpText('after', `\nExamples:\n${examples}`)
      .action(async (services: string[], options: { signal: string }, command: Command) => {
        const selected = await selectProject(command.optsWithGlobals<GlobalOptions>(), context);
        checkServiceNames(selected, services);
        const names = await withEngine(context, (engine) => engine.signal(selected.name, services, commandOf(options)));
        for (const container of names) context.stderr.write(` Container ${container}  ${verb}\n`);
      });

  signalCommand(
    'kill',
    "Send a signal (SIGKILL by default) to the services' running containers; their restart policies leave them stopped",
    '  berth kill                    kill every running container of the project\n  berth kill -s SIGHUP web      send SIGHUP to web',
    (options) => ({ kind: 'kill', signal: options.signal }),
    'Killed',
  ).option('-s, --signal <signal>', 'the signal to send', signalArgument, 'SIGKILL');
  signalCommand('pause', "Pause the services' running containers (freeze their processes)", '  berth pause web', () => ({ kind: 'pause' }), 'Paused');
  signalCommand('unpause', "Unpause the services' paused containers", '  berth unpause web', () => ({ kind: 'unpause' }), 'Unpaused');
}

/** `-s` is checked before anything is sent: a typo must not pass for a signal that found no container. */
function signalArgument(value: string): string {
  try {
    return normalizeSignal(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof ValueError && error.hint ? `${error.message}; ${error.hint}` : String(error));
  }
}
