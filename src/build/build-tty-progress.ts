// The terminal display of builds: listr2's default renderer with one row per step, its state, time and last output line.
import { DefaultRenderer, Listr, type ListrDefaultRendererOptions, ListrDefaultRendererLogLevels, ListrLogger, ListrTaskState, ProcessOutput } from 'listr2';
import type { BuildEvent } from './build-session.js';

/** A terminal (process.stderr): its width when known. */
export interface BuildTerminal {
  write(text: string): void;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

type RowTask = Listr<object, 'default', 'default'>['tasks'][number];

interface StepRow {
  label: string;
  instruction: string;
  status: 'running' | 'cached' | 'done' | 'failed';
  startedAt: number;
  durationMs?: number | undefined;
  lastLine?: string | undefined;
  task: RowTask;
}

export interface BuildTtyProgress {
  /** The events of one service's build. */
  forService(service: string): (event: BuildEvent) => void;
  /** The last frame; rows still running stop spinning. Safe to call twice. */
  finish(): Promise<void>;
}

export function buildTtyProgress(target: BuildTerminal, options: { colour: boolean; now?: () => number }): BuildTtyProgress {
  const now = options.now ?? Date.now;
  const colour = (code: string, text: string): string => (options.colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const list = new Listr<object, 'default', 'default'>([], { exitOnError: false, registerSignalListeners: false, renderer: 'default', fallbackRenderer: 'default' });
  const rows = new Map<string, StepRow>();
  const warnings: string[] = [];
  let ready: Promise<void> | undefined;
  let finished = false;

  const addTask = (): RowTask => {
    list.add({ title: '', task: () => undefined });
    const task = list.tasks.at(-1);
    if (!task) throw new Error('listr2 did not add the task');
    void task.check({});
    return task;
  };
  const refreshTitles = (): void => {
    const columns = Math.max(40, (target.columns ?? 80) - 3);
    const labelWidth = Math.max(0, ...[...rows.values()].map((row) => row.label.length));
    const at = now();
    for (const row of rows.values()) row.task.title = rowTitle(row, at, columns, labelWidth, colour);
  };
  const renderer = new StepRenderer(list.tasks, rendererOptions(target, options.colour), list.events, refreshTitles);

  const onEvent = (service: string, event: BuildEvent): void => {
    if (finished) return;
    if (event.kind === 'warning') {
      warnings.push(`warning: ${service}: ${event.message}`);
      return;
    }
    ready ??= renderer.render();
    const id = `${service}\0${event.stage}\0${event.step}`;
    let row = rows.get(id);
    if (!row) {
      if (event.kind === 'output') return;
      row = { label: `[${service} ${event.stage} ${event.step}/${event.steps}]`, instruction: event.instruction, status: 'running', startedAt: now(), task: addTask() };
      rows.set(id, row);
    }
    if (event.kind === 'output') {
      row.lastLine = event.line;
      return;
    }
    row.status = event.status;
    row.durationMs = event.durationMs;
    const state = event.status === 'running' ? ListrTaskState.STARTED : event.status === 'failed' ? ListrTaskState.FAILED : ListrTaskState.COMPLETED;
    if (row.task.state !== state) row.task.state$ = state;
  };

  return {
    forService: (service) => (event) => onEvent(service, event),
    async finish(): Promise<void> {
      if (finished) return;
      finished = true;
      for (const row of rows.values()) if (row.status === 'running') row.task.state$ = ListrTaskState.WAITING;
      if (ready) {
        await ready;
        renderer.end();
      }
      for (const warning of warnings) target.write(`${warning}\n`);
    },
  };
}

/** `[web build 3/6] RUN make   CACHED 0.0s`, with the running step's last output line after it. */
function rowTitle(row: StepRow, at: number, columns: number, labelWidth: number, colour: (code: string, text: string) => string): string {
  const seconds = `${((row.durationMs ?? at - row.startedAt) / 1000).toFixed(1)}s`.padStart(6);
  const status = row.status === 'cached' ? 'CACHED' : row.status === 'failed' ? 'ERROR' : row.status === 'done' ? 'DONE' : '';
  const fixed = labelWidth + 1 + 2 + 6 + 1 + seconds.length;
  let text = row.instruction.replace(/\s+/g, ' ');
  if (row.status === 'running' && row.lastLine) text = `${text}  > ${row.lastLine}`;
  const room = Math.max(10, columns - fixed);
  if (text.length > room) text = `${text.slice(0, room - 1)}…`;
  const painted = row.status === 'failed' ? colour('31', status.padEnd(6)) : row.status === 'cached' ? colour('36', status.padEnd(6)) : colour('32', status.padEnd(6));
  return `${row.label.padEnd(labelWidth)} ${text.padEnd(room)}  ${painted} ${colour('2', seconds)}`;
}

function rendererOptions(target: BuildTerminal, colour: boolean): ListrDefaultRendererOptions {
  // listr2 writes to its "stdout"; here both of its streams are the target, and nothing global is hijacked.
  const sink = { write: (text: string): boolean => (target.write(text), true), columns: target.columns ?? 80, rows: target.rows ?? 24, isTTY: true };
  const stream = sink as unknown as NodeJS.WriteStream;
  const plain = (text: string): string => text;
  const levels = Object.values(ListrDefaultRendererLogLevels);
  return {
    logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stream, stream, { dump: [], leaveEmptyLine: false }) }),
    ...(colour ? {} : { color: Object.fromEntries(levels.map((level) => [level, plain])) }),
  };
}

/** listr2's default renderer with titles refreshed before each frame; lines are already cut to the width. */
class StepRenderer extends DefaultRenderer {
  constructor(
    tasks: ConstructorParameters<typeof DefaultRenderer>[0],
    options: ListrDefaultRendererOptions,
    events: ConstructorParameters<typeof DefaultRenderer>[2],
    private readonly beforeFrame: () => void,
  ) {
    super(tasks, options, events);
  }

  override create(options?: { tasks?: boolean; bottomBar?: boolean; prompt?: boolean }): string {
    this.beforeFrame();
    return super.create(options);
  }

  protected override format(message: string, icon: string, level: number): string[] {
    if (message.trim() === '') return [];
    return [`${' '.repeat(level * 2)}${icon ? `${icon} ` : ''}${message}`];
  }
}
