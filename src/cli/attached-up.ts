// Attached `berth up`: print the containers' output until they all exit or Ctrl-C, which stops the stack (twice: kills it).
import type { StackEngine } from '../engine/engine-service.js';
import { listProjectContainers } from '../engine/project-containers.js';
import { followProjectLogs } from '../engine/project-logs.js';
import type { Project } from '../spec/model.js';
import { type StatePaths, statePathsFromEnv } from '../state/paths.js';
import type { CommandContext } from './command-context.js';
import { logName, restartsByPolicy } from './commands/logs.js';
import { LogPrinter, wantsColour } from './log-printer.js';
import { progressPrinter } from './progress-lines.js';

/** compose's exit code after Ctrl-C (128 + SIGINT). */
const INTERRUPTED_EXIT_CODE = 130;

export interface AttachOptions {
  readonly services: readonly string[];
  /** `--attach`: only these services' output (default: the services of the request, less `attach: false`). */
  readonly attach?: readonly string[] | undefined;
  /** `--no-attach`: not these services' output. */
  readonly noAttach?: readonly string[] | undefined;
  /** `--abort-on-container-exit`: the first container to exit stops the stack; its exit code is ours. */
  readonly abortOnContainerExit?: boolean | undefined;
  /** `--exit-code-from`: abort as above, and return this service's exit code instead. */
  readonly exitCodeFrom?: string | undefined;
  readonly noColor?: boolean | undefined;
  readonly noLogPrefix?: boolean | undefined;
  readonly timestamps?: boolean | undefined;
  /** Ends the attachment as a Ctrl-C does (for in-process callers and tests). */
  readonly signal?: AbortSignal | undefined;
}

export async function attachToStack(engine: StackEngine, project: Project, context: CommandContext, options: AttachOptions): Promise<number> {
  const paths = statePathsFromEnv(context.env);
  // Every container of the request is followed (an exit aborts whether shown or not); only attached ones are printed.
  const attached = new Set(attachedServices(project, options));
  const query = { project: project.name, services: options.services.length > 0 ? [...options.services] : Object.keys(project.services) };
  const containers = await listProjectContainers(paths, query);
  const shown = (container: { service: string }): boolean => attached.has(container.service);
  const printer = new LogPrinter(context.stdout, {
    colour: wantsColour({ noColor: options.noColor === true, env: context.env, stdout: context.stdout }),
    prefix: options.noLogPrefix !== true,
    timestamps: options.timestamps === true,
  });
  for (const container of containers.filter(shown)) printer.register(logName(container), container.service);

  const interrupt = new AbortController();
  let interrupts = 0;
  let stopping: Promise<unknown> | undefined;
  const abortOnExit = options.abortOnContainerExit === true || options.exitCodeFrom !== undefined;
  let firstExit: number | undefined;
  const onExit = (exitCode: number, restarting: boolean): void => {
    if (!abortOnExit || restarting || firstExit !== undefined || interrupts > 0) return;
    firstExit = exitCode;
    context.stderr.write('Aborting on container exit...\n');
    interrupt.abort();
    stopping = engine.stop(project, {}, { onState: progressPrinter((line) => context.stderr.write(line)) });
  };
  const onSigint = (): void => {
    interrupts += 1;
    interrupt.abort();
    if (interrupts === 1) {
      context.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
      stopping = engine.stop(project, {}, { onState: progressPrinter((line) => context.stderr.write(line)) });
    } else if (interrupts === 2) {
      context.stderr.write('Killing...\n');
      stopping = engine.stop(project, { stopTimeoutMs: 0 });
    }
  };
  process.on('SIGINT', onSigint);
  options.signal?.addEventListener('abort', onSigint, { once: true });
  try {
    await followProjectLogs(
      paths,
      containers,
      {},
      { signal: interrupt.signal, restarts: restartsByPolicy(project), discover: query, reportEarlierExits: true },
      {
        line: (line) => {
          if (shown(line.container)) printer.line(logName(line.container), line.entry.text, line.ns);
        },
        added: (container) => {
          if (shown(container)) printer.register(logName(container), container.service);
        },
        exited: (container, exitCode, restarting) => {
          if (shown(container)) printer.status(logName(container), `exited with code ${exitCode}${restarting ? ' (restarting)' : ''}`);
          onExit(exitCode, restarting);
        },
      },
    );
    if (firstExit !== undefined) {
      await stopping;
      return options.exitCodeFrom !== undefined ? await exitCodeOf(paths, project.name, options.exitCodeFrom) : firstExit;
    }
    if (interrupts === 0) return 0;
    // The second Ctrl-C's stop replaces the first; wait for whichever runs last.
    let last: Promise<unknown> | undefined;
    while (stopping !== last) {
      last = stopping;
      await last;
    }
    return INTERRUPTED_EXIT_CODE;
  } finally {
    process.off('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', onSigint);
  }
}

function attachedServices(project: Project, options: AttachOptions): string[] {
  const base =
    options.attach && options.attach.length > 0
      ? [...options.attach]
      : options.services.length > 0
        ? [...options.services]
        : Object.keys(project.services).filter((name) => project.services[name]?.attach !== false);
  const excluded = new Set(options.noAttach ?? []);
  return base.filter((name) => !excluded.has(name));
}

/** The exit code of the service's (first) container, as `--exit-code-from` reports it. */
async function exitCodeOf(paths: StatePaths, project: string, service: string): Promise<number> {
  const [container] = await listProjectContainers(paths, { project, services: [service] });
  return container?.exitCode ?? 0;
}
