// The terminal progress display: listr2's default renderer redrawing one row per network, volume, image and container.
import {
  DefaultRenderer,
  Listr,
  type ListrDefaultRendererOptions,
  ListrDefaultRendererLogLevels,
  ListrLogger,
  ListrTaskState,
  ProcessOutput,
} from 'listr2';
import type { ProgressSnapshot, RequestOutcome } from '../../engine/request-outcome.js';
import { paint } from '../log-printer.js';
import {
  advanceRows,
  emptyRowTable,
  failureLines,
  finishRows,
  formatElapsed,
  type ProgressRow,
  type ProgressVerb,
  rowElapsedMs,
  type RowTable,
} from './progress-rows.js';
import type { ProgressReporter } from './progress-reporter.js';

/** Where the display goes: a terminal's size when it is one (process.stderr), else 80×24. */
export interface TerminalTarget {
  write(text: string): void;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

export interface TtyProgressOptions {
  readonly verb: ProgressVerb;
  readonly colour: boolean;
  readonly now?: () => number;
}

type RowTask = Listr<object, 'default', 'default'>['tasks'][number];

const HEADLINE: Record<ProgressVerb, string> = { up: 'Running', stop: 'Stopping', down: 'Removing' };
const KIND_WIDTH = 'Container'.length;

/**
 * The rows are listr2 tasks whose state this display sets from the engine's snapshots; no task
 * function ever runs, because the work happens in the engine (often in berthd), not here.
 */
export function ttyProgress(target: TerminalTarget, options: TtyProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const colour = (code: string, text: string): string => (options.colour ? paint(code, text) : text);
  const list = new Listr<object, 'default', 'default'>([], { exitOnError: false, registerSignalListeners: false, renderer: 'default', fallbackRenderer: 'default' });
  const tasks = new Map<string, RowTask>();
  let table: RowTable = emptyRowTable(options.verb);
  let finished = false;

  const addTask = (title: string): RowTask => {
    list.add({ title, task: () => undefined });
    const task = list.tasks.at(-1);
    if (!task) throw new Error('listr2 did not add the task');
    void task.check({});
    return task;
  };
  const header = addTask(HEADLINE[options.verb]);
  header.state$ = ListrTaskState.STARTED;

  /** Titles carry the elapsed times, so they are rewritten before every frame. */
  const refreshTitles = (): void => {
    const at = now();
    const columns = Math.max(40, (target.columns ?? 80) - 3);
    const nameWidth = Math.max(0, ...table.rows.map((row) => row.name.length));
    const textWidth = Math.max(0, ...table.rows.map((row) => row.text.length));
    const done = table.rows.filter((row) => row.phase !== 'working').length;
    const headline = `${HEADLINE[options.verb]} ${done}/${table.rows.length}`;
    // The total time sits in the rows' time column.
    const timeColumn = Math.min(columns - 6, KIND_WIDTH + 1 + nameWidth + 2 + textWidth + 2);
    header.title = `${headline.padEnd(timeColumn)}${colour('2', formatElapsed(at - startedAt).padStart(6))}`;
    for (const row of table.rows) {
      const task = tasks.get(row.id);
      if (task) task.title = rowTitle(row, at, { columns, nameWidth, textWidth, colour });
    }
  };
  const renderer = new RowsRenderer(list.tasks, rendererOptions(target, options.colour), list.events, refreshTitles);
  // The display starts with the first snapshot: a command that fails before its request began leaves the terminal alone.
  let ready: Promise<void> | undefined;

  const show = (changed: readonly ProgressRow[]): void => {
    for (const row of changed) {
      let task = tasks.get(row.id);
      if (!task) {
        task = addTask(row.id);
        tasks.set(row.id, task);
      }
      const state = row.phase === 'working' ? ListrTaskState.STARTED : row.phase === 'done' ? ListrTaskState.COMPLETED : ListrTaskState.FAILED;
      if (task.state !== state) task.state$ = state;
    }
  };

  return {
    onState(snapshot: ProgressSnapshot): void {
      if (finished) return;
      ready ??= renderer.render();
      const next = advanceRows(table, snapshot, now());
      table = next.table;
      show(next.changed);
    },
    async finish(outcome?: RequestOutcome): Promise<void> {
      if (finished) return;
      finished = true;
      if (!ready) return;
      const last = finishRows(table, outcome, now());
      table = last.table;
      show(last.changed);
      // Interrupted: rows still under way stop spinning, neither ticked nor crossed.
      for (const row of table.rows) {
        const task = tasks.get(row.id);
        if (row.phase === 'working' && task) task.state$ = ListrTaskState.WAITING;
      }
      header.state$ = !outcome ? ListrTaskState.WAITING : outcome.ok ? ListrTaskState.COMPLETED : ListrTaskState.FAILED;
      await ready;
      renderer.end();
      if (outcome && !outcome.ok) target.write(summaryText(outcome, colour));
    },
  };
}

/** `Container pg-demo-web-1   Started   1.2s`, columns aligned across rows and cut to the terminal's width. */
function rowTitle(
  row: ProgressRow,
  at: number,
  layout: { columns: number; nameWidth: number; textWidth: number; colour: (code: string, text: string) => string },
): string {
  const kind = row.id.slice(0, row.id.length - row.name.length - 1).padEnd(KIND_WIDTH);
  const elapsed = formatElapsed(rowElapsedMs(row, at)).padStart(6);
  let name = row.name;
  let text = row.text;
  const fixed = KIND_WIDTH + 1 + 2 + 2 + elapsed.length;
  // Too wide for the terminal: shorten the status first, then the name, so every row stays one line.
  const room = layout.columns - fixed;
  const nameRoom = Math.min(layout.nameWidth, Math.max(12, room - Math.min(layout.textWidth, 24)));
  if (name.length > nameRoom) name = `${name.slice(0, nameRoom - 1)}…`;
  const textRoom = Math.max(8, room - Math.min(layout.nameWidth, nameRoom));
  if (text.length > textRoom) text = `${text.slice(0, textRoom - 1)}…`;
  const textColumn = text.padEnd(Math.min(layout.textWidth, textRoom));
  const painted = row.phase === 'failed' ? layout.colour('31', textColumn) : row.phase === 'done' ? layout.colour('32', textColumn) : textColumn;
  return `${kind} ${name.padEnd(Math.min(layout.nameWidth, nameRoom))}  ${painted}  ${layout.colour('2', elapsed)}`;
}

/** After the rows: every service that failed, and why. */
function summaryText(outcome: RequestOutcome, colour: (code: string, text: string) => string): string {
  const lines = failureLines(outcome);
  const failed = outcome.failures.length;
  const head =
    failed > 0
      ? `${failed} of ${outcome.services.length} service${outcome.services.length === 1 ? '' : 's'} failed:`
      : `${outcome.errors.length} step${outcome.errors.length === 1 ? '' : 's'} failed:`;
  const width = Math.max(0, ...lines.map((line) => line.service?.length ?? 0));
  const body = lines.map((line) => `  ${colour('31', '✘')} ${line.service !== undefined ? `${line.service.padEnd(width)}  ` : ''}${line.reason}\n`).join('');
  return `\n${colour('1', head)}\n${body}`;
}

function rendererOptions(target: TerminalTarget, colour: boolean): ListrDefaultRendererOptions {
  // listr2 writes to its "stdout"; here both of its streams are the target (stderr), and nothing global is hijacked.
  const sink = { write: (text: string): boolean => (target.write(text), true), columns: target.columns ?? 80, rows: target.rows ?? 24, isTTY: true };
  const stream = sink as unknown as NodeJS.WriteStream;
  const plain = (text: string): string => text;
  const levels = Object.values(ListrDefaultRendererLogLevels);
  return {
    logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stream, stream, { dump: [], leaveEmptyLine: false }) }),
    ...(colour ? {} : { color: Object.fromEntries(levels.map((level) => [level, plain])) }),
  };
}

/** listr2's default renderer, with titles refreshed before each frame and lines that are ours to fit. */
class RowsRenderer extends DefaultRenderer {
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

  /** Titles are already cut to the terminal's width: wrapping at process.stdout's width would be wrong on stderr. */
  protected override format(message: string, icon: string, level: number): string[] {
    if (message.trim() === '') return [];
    return [`${' '.repeat(level * 2)}${icon ? `${icon} ` : ''}${message}`];
  }
}
