// `berth up`, `stop` and `down`: bring a project to running, stopped, or gone.
import { type Command, Option } from 'commander';
import { UserError } from '../../errors.js';
import { openImageStore } from '../../image/image-store.js';
import { imageOf } from '../../plan/desired-state.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { PullPolicy } from '../../plan/plan-types.js';
import type { Project } from '../../spec/model.js';
import type { CommandContext } from '../command-context.js';
import { loadCommandProject, loadProjectForDown, parseSeconds, reportOrphans, requireSuccess } from '../project-command.js';
import { connectStackEngine } from '../stack-engine-client.js';
import { attachToStack } from '../attached-up.js';
import type { GlobalOptions } from '../global-options.js';
import { progressReporter } from '../progress/progress-reporter.js';
import type { ProgressVerb } from '../progress/progress-rows.js';
import { CommandExit } from '../report.js';

interface UpOptions {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: string;
  forceRecreate?: boolean;
  recreate: boolean;
  removeOrphans?: boolean;
  pull?: PullPolicy | 'if_not_present';
  timeout?: string;
  scale: string[];
  color: boolean;
  logPrefix: boolean;
  timestamps?: boolean;
  deps: boolean;
  start: boolean;
  attach: string[];
  noAttach: string[];
  abortOnContainerExit?: boolean;
  exitCodeFrom?: string;
  alwaysRecreateDeps?: boolean;
  build?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export interface StackCommandHooks {
  /** Ends an attached `up` as Ctrl-C does (for in-process callers and tests). */
  readonly signal?: AbortSignal | undefined;
}

export function registerStackCommands(program: Command, context: CommandContext, hooks: StackCommandHooks = {}): void {
  const progress = (command: Command, verb: ProgressVerb) => progressReporter(command.optsWithGlobals<GlobalOptions>(), context, verb);

  program
    .command('up')
    .description('Create and start the containers of the services (all, or those named and their dependencies)')
    .argument('[services...]', 'only these services (and what they depend on)')
    .option('-d, --detach', 'start in the background and return')
    .option('--wait', 'wait until every service is running and healthy (implies --detach)')
    .option('--wait-timeout <seconds>', 'give up waiting after this many seconds')
    .option('--force-recreate', 'recreate containers even if their configuration is unchanged')
    .option('--no-recreate', 'keep existing containers even if their configuration changed')
    .option('--always-recreate-deps', 'recreate the dependencies of the named services too')
    .option('--build', 'build the images of services with a build: section before starting')
    .option('--no-build', "don't build images, even when missing")
    .option('--remove-orphans', 'remove containers of services no longer in the compose file')
    .addOption(new Option('--pull <policy>', 'pull images first').choices(['always', 'missing', 'never']))
    .option('-t, --timeout <seconds>', 'grace period for containers stopped on the way (recreate, scale)')
    .option('--scale <service=n>', 'run n replicas of a service (repeatable; overrides scale:)', collect, [])
    .option('--no-deps', "don't start the services the named ones depend on, nor wait for them")
    .option('--no-start', "create the containers but don't start them")
    .option('--attach <service>', 'attached: show only these services’ output (repeatable)', collect, [])
    .addOption(notANegation(new Option('--no-attach <service>', 'attached: hide this service’s output (repeatable)').argParser(collect).default([])))
    .option('--abort-on-container-exit', 'attached: stop every container when one exits; exit with its code')
    .option('--exit-code-from <service>', "attached: exit with this service's exit code (implies --abort-on-container-exit)")
    .option('--no-color', 'attached: produce monochrome output')
    .option('--no-log-prefix', "attached: don't print the container name before each line")
    .option('--timestamps', 'attached: show timestamps')
    .addHelpText(
      'after',
      `
Examples:
  berth up                      start everything and follow the logs; Ctrl-C stops the stack
  berth up -d                   start everything and return
  berth up --wait               return once every service is healthy (exit 1 if one fails)
  berth up -d web               only web and what it depends on
  berth up -d --scale web=3     three replicas of web
  berth up -d --build           build the services' images first, then start`,
    )
    .action(async (services: string[], options: UpOptions, command: Command) => {
      if (options.forceRecreate && !options.recreate) throw new UserError('--force-recreate and --no-recreate cannot be used together');
      if (options.alwaysRecreateDeps && !options.recreate) throw new UserError('--always-recreate-deps and --no-recreate cannot be used together');
      if (!options.start && options.wait) throw new UserError('--no-start and --wait cannot be used together');
      const aborts = options.abortOnContainerExit === true || options.exitCodeFrom !== undefined;
      if (aborts && (options.detach || options.wait)) throw new UserError('--abort-on-container-exit and --exit-code-from need an attached up', { hint: 'drop -d/--wait' });
      const { project } = await loadCommandProject(command, context, services);
      const scaled = withScale(project, options.scale);
      const reporter = progress(command, 'up');
      const engine = await connectStackEngine(context);
      try {
        const outcome = await engine.up(
          scaled,
          {
            services,
            noDeps: !options.deps,
            recreateDependencies: options.alwaysRecreateDeps,
            build: options.build,
            noStart: !options.start,
            recreate: options.forceRecreate ? 'force' : options.recreate ? 'diverged' : 'never',
            removeOrphans: options.removeOrphans,
            pull: options.pull === 'if_not_present' ? 'missing' : options.pull,
            wait: options.wait,
            waitTimeoutMs: options.waitTimeout !== undefined ? parseSeconds(options.waitTimeout, '--wait-timeout') : undefined,
            stopTimeoutMs: options.timeout !== undefined ? parseSeconds(options.timeout, '--timeout') : undefined,
          },
          { onState: reporter.onState },
        );
        await reporter.finish(outcome);
        reportOrphans(outcome, context.stderr, 'up');
        requireSuccess(outcome, 'up');
        if (options.detach || options.wait || !options.start) return;
        const code = await attachToStack(engine, scaled, context, {
          services,
          attach: options.attach,
          noAttach: options.noAttach,
          abortOnContainerExit: options.abortOnContainerExit,
          exitCodeFrom: options.exitCodeFrom,
          noColor: !options.color,
          noLogPrefix: !options.logPrefix,
          timestamps: options.timestamps,
          signal: hooks.signal,
        });
        if (code !== 0) throw new CommandExit(code);
      } finally {
        await reporter.finish();
        await engine.close();
      }
    });

  program
    .command('stop')
    .description('Stop the containers of the services (all, or those named), keeping them')
    .argument('[services...]', 'only these services')
    .option('-t, --timeout <seconds>', 'grace period before SIGKILL (default: each service’s stop_grace_period, 10 s)')
    .action(async (services: string[], options: { timeout?: string }, command: Command) => {
      const { project } = await loadCommandProject(command, context, services);
      const reporter = progress(command, 'stop');
      const engine = await connectStackEngine(context);
      try {
        const outcome = await engine.stop(
          project,
          { services, ...(options.timeout !== undefined ? { stopTimeoutMs: parseSeconds(options.timeout, '--timeout') } : {}) },
          { onState: reporter.onState },
        );
        await reporter.finish(outcome);
        requireSuccess(outcome, 'stop');
      } finally {
        await reporter.finish();
        await engine.close();
      }
    });

  program
    .command('down')
    .description('Stop and remove the containers and networks of the project (and its volumes with -v)')
    .option('-v, --volumes', 'remove the named volumes of the project too')
    .option('--remove-orphans', 'remove containers of services no longer in the compose file')
    .option('-t, --timeout <seconds>', 'grace period before SIGKILL')
    .addOption(new Option('--rmi <type>', "remove the services' images too: all, or local (those without an image: name)").choices(['all', 'local']))
    .addHelpText(
      'after',
      `
Examples:
  berth down                    remove containers and networks; named volumes stay
  berth down -v                 remove the named volumes too
  berth down --rmi local        remove the images built for the project too
  berth down -t 0               do not wait for containers to exit gracefully`,
    )
    .action(async (options: { volumes?: boolean; removeOrphans?: boolean; timeout?: string; rmi?: 'all' | 'local' }, command: Command) => {
      const { project, byName } = await loadProjectForDown(command, context);
      const reporter = progress(command, 'down');
      const engine = await connectStackEngine(context);
      try {
        const outcome = await engine.down(
          project,
          {
            volumes: options.volumes,
            // Known by name only: every container of the project is one to remove.
            removeOrphans: options.removeOrphans === true || byName,
            stopTimeoutMs: options.timeout !== undefined ? parseSeconds(options.timeout, '--timeout') : undefined,
          },
          { onState: reporter.onState },
        );
        await reporter.finish(outcome);
        reportOrphans(outcome, context.stderr, 'down');
        requireSuccess(outcome, 'down');
        if (options.rmi && !byName) await removeProjectImages(project, options.rmi, context);
      } finally {
        await reporter.finish();
        await engine.close();
      }
    });
}

/** `down --rmi`: each service image once; one still used elsewhere is kept with a warning, as compose does. */
async function removeProjectImages(project: Project, which: 'all' | 'local', context: CommandContext): Promise<void> {
  const images = new Set(
    Object.entries(project.services)
      .filter(([, service]) => which === 'all' || service.image === undefined)
      .map(([name, service]) => imageOf(project.name, name, service)),
  );
  const store = await openImageStore(statePathsFromEnv(context.env));
  for (const image of images) {
    try {
      await store.remove(image);
      context.stderr.write(` Image ${image}  Removed\n`);
    } catch (error) {
      const missing = error instanceof UserError && /no such image|not found/i.test(error.message);
      if (!missing) context.stderr.write(`warning: image ${image} kept: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

/** compose's `--no-attach SERVICE` takes a value: for commander, `--no-x` would otherwise only negate `--x`. */
function notANegation(option: Option): Option {
  option.negate = false;
  return option;
}

/** `--scale web=3` → the project with that service's scale set. */
export function withScale(project: Project, items: readonly string[]): Project {
  if (items.length === 0) return project;
  const services = { ...project.services };
  for (const item of items) {
    const match = /^([^=]+)=(\d+)$/.exec(item);
    if (!match) throw new UserError(`--scale expects SERVICE=NUMBER, found "${item}"`, { hint: 'e.g. --scale web=3' });
    const [, name = '', count = '0'] = match;
    const service = services[name];
    if (!service) throw new UserError(`--scale: no such service: ${name}`, { hint: `services: ${Object.keys(services).join(', ')}` });
    services[name] = { ...service, scale: Number(count), ...(service.deploy ? { deploy: { ...service.deploy, replicas: Number(count) } } : {}) };
  }
  return { ...project, services };
}
