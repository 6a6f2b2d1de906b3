// Picks how `up`, `stop` and `down` show their progress: --progress, --ansi, NO_COLOR and whether stderr is a terminal.
import type { ProgressSnapshot, RequestOutcome } from '../../engine/request-outcome.js';
import { UserError } from '../../errors.js';
import { progressPrinter } from '../progress-lines.js';
import { jsonProgress } from './json-progress.js';
import type { ProgressVerb } from './progress-rows.js';
import { ttyProgress } from './tty-progress.js';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'quiet', 'json'] as const;
export const ANSI_MODES = ['never', 'always', 'auto'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
export type AnsiMode = (typeof ANSI_MODES)[number];

export interface ProgressReporter {
  /** The engine's `onState` hook. */
  readonly onState: (snapshot: ProgressSnapshot) => void;
  /**
   * Ends the display: the last frame, and with a failed outcome a summary naming every failed
   * service and why. Without an outcome (the request threw) it only ends. Safe to call twice.
   */
  finish(outcome?: RequestOutcome): Promise<void>;
}

/** Where progress goes: the command's stderr (process.stderr in the real CLI, which has isTTY and a size). */
export interface ProgressTarget {
  write(text: string): void;
}

export interface ProgressChoice {
  readonly progress?: ProgressMode | undefined;
  readonly ansi?: AnsiMode | undefined;
}

function terminal(target: ProgressTarget): { tty: boolean; columns?: number | undefined; rows?: number | undefined } {
  const stream = target as { isTTY?: unknown; columns?: unknown; rows?: unknown };
  return {
    tty: stream.isTTY === true,
    columns: typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : undefined,
    rows: typeof stream.rows === 'number' && stream.rows > 0 ? stream.rows : undefined,
  };
}

/** The display a command gets: auto is tty on a terminal that takes ANSI codes, plain elsewhere. */
export function resolveProgressMode(choice: ProgressChoice, target: ProgressTarget, env: Record<string, string | undefined>): Exclude<ProgressMode, 'auto'> {
  const progress = choice.progress ?? 'auto';
  const ansi = choice.ansi ?? 'auto';
  if (progress === 'tty' && ansi === 'never') {
    throw new UserError('--progress tty redraws the screen with ANSI codes, which --ansi never forbids', { hint: 'use --progress plain, or drop --ansi never' });
  }
  if (progress !== 'auto') return progress;
  if (ansi === 'always') return 'tty';
  if (ansi === 'never' || env['TERM'] === 'dumb') return 'plain';
  return terminal(target).tty ? 'tty' : 'plain';
}

/** Colour: --ansi always forces it; otherwise only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function progressColour(choice: ProgressChoice, target: ProgressTarget, env: Record<string, string | undefined>): boolean {
  const ansi = choice.ansi ?? 'auto';
  if (ansi !== 'auto') return ansi === 'always';
  return (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb' && terminal(target).tty;
}

export function progressReporter(
  choice: ProgressChoice,
  context: { stderr: ProgressTarget; env: Record<string, string | undefined> },
  verb: ProgressVerb,
): ProgressReporter {
  const target = context.stderr;
  const write = (text: string): void => target.write(text);
  switch (resolveProgressMode(choice, target, context.env)) {
    case 'tty': {
      const { columns, rows } = terminal(target);
      return ttyProgress({ write, columns, rows }, { verb, colour: progressColour(choice, target, context.env) });
    }
    case 'json':
      return jsonProgress(write, { verb });
    case 'quiet':
      // Errors still reach stderr: the command reports a failed outcome itself.
      return { onState: () => undefined, finish: () => Promise.resolve() };
    case 'plain':
      return { onState: progressPrinter(write), finish: () => Promise.resolve() };
  }
}
