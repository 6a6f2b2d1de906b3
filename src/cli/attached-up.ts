// Attached `berth up`: print the containers' output until they all exit or Ctrl-C, which stops the stack (twice: kills it).
import type { StackEngine } from '../engine/engine-service.js';
import { listProjectContainers } from '../engine/project-containers.js';
import { followProjectLogs } from '../engine/project-logs.js';
import type { Project } from '../spec/model.js';
import { statePathsFromEnv } from '../state/paths.js';
import type { CommandContext } from './command-context.js';
import { logName, restartsByPolicy } from './commands/logs.js';
import { LogPrinter, wantsColour } from './log-printer.js';
import { progressPrinter } from './progress-lines.js';

/** compose's exit code after Ctrl-C (128 + SIGINT). */
const INTERRUPTED_EXIT_CODE = 130;

export interface AttachOptions {
  readonly services: readonly string[];
  readonly noColor?: boolean | undefined;
  readonly noLogPrefix?: boolean | undefined;
  readonly timestamps?: boolean | undefined;
  /** Ends the attachment as a Ctrl-C does (for in-process callers and tests). */
  readonly signal?: AbortSignal | undefined;
}

export async function attachToStack(engine: StackEngine, project: Project, context: CommandContext, options: AttachOptions): Promise<number> {
  const paths = statePathsFromEnv(context.env);
  const query = { project: project.name, services: options.services.length > 0 ? [...options.services] : Object.keys(project.services).filter((name) => project.services[name]?.attach !== false) };
  const containers = await listProjectContainers(paths, query);
  const printer = new LogPrinter(context.stdout, {
    colour: wantsColour({ noColor: options.noColor === true, env: context.env, stdout: context.stdout }),
    prefix: options.noLogPrefix !== true,
    timestamps: options.timestamps === true,
  });
  for (const container of containers) printer.register(logName(container), container.service);

  const interrupt = new AbortController();
  let interrupts = 0;
  let stopping: Promise<unknown> | undefined;
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
      { signal: interrupt.signal, restarts: restartsByPolicy(project), discover: query },
      {
        line: (line) => printer.line(logName(line.container), line.entry.text, line.ns),
        added: (container) => printer.register(logName(container), container.service),
        exited: (container, exitCode, restarting) => printer.status(logName(container), `exited with code ${exitCode}${restarting ? ' (restarting)' : ''}`),
      },
    );
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
