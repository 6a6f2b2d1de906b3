// `--progress json`: one JSON object per line for every change of a progress row, then one per failure.
import type { ProgressSnapshot, RequestOutcome } from '../../engine/request-outcome.js';
import { advanceRows, emptyRowTable, failureLines, finishRows, type ProgressRow, type ProgressVerb, rowElapsedMs, type RowTable } from './progress-rows.js';
import type { ProgressReporter } from './progress-reporter.js';

/** A row's change, with compose's field names (`id`, `status`, `text`) and ours beside them. */
export interface ProgressJsonEvent {
  readonly id: string;
  readonly kind: ProgressRow['kind'];
  readonly name: string;
  readonly service?: string;
  /** working, done or error: where the row stands. */
  readonly status: 'working' | 'done' | 'error';
  readonly text: string;
  /** Seconds since the row first changed (to its completion when it is done or failed). */
  readonly elapsed: number;
}

/** The end of a failed request: one per failed service (`service` set) or step given up. */
export interface ProgressJsonTail {
  readonly tail: true;
  readonly status: 'error';
  readonly service?: string;
  readonly text: string;
}

export function progressJsonEvent(row: ProgressRow, now: number): ProgressJsonEvent {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    ...(row.service !== undefined ? { service: row.service } : {}),
    status: row.phase === 'failed' ? 'error' : row.phase,
    text: row.text,
    elapsed: Math.round(rowElapsedMs(row, now)) / 1000,
  };
}

export function jsonProgress(write: (line: string) => void, options: { verb: ProgressVerb; now?: () => number }): ProgressReporter {
  const now = options.now ?? Date.now;
  let table: RowTable = emptyRowTable(options.verb);
  let finished = false;
  const emit = (rows: readonly ProgressRow[]): void => {
    const at = now();
    for (const row of rows) write(`${JSON.stringify(progressJsonEvent(row, at))}\n`);
  };
  return {
    onState(snapshot: ProgressSnapshot): void {
      if (finished) return;
      const next = advanceRows(table, snapshot, now());
      table = next.table;
      emit(next.changed);
    },
    finish(outcome?: RequestOutcome): Promise<void> {
      if (finished) return Promise.resolve();
      finished = true;
      const last = finishRows(table, outcome, now());
      table = last.table;
      emit(last.changed);
      if (outcome && !outcome.ok) {
        for (const line of failureLines(outcome)) {
          const tail: ProgressJsonTail = { tail: true, status: 'error', ...(line.service !== undefined ? { service: line.service } : {}), text: line.reason };
          write(`${JSON.stringify(tail)}\n`);
        }
      }
      return Promise.resolve();
    },
  };
}
