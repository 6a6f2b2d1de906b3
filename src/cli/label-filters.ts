// `--filter label=key` / `--filter label=key=value`, as `docker network|volume ls|prune` take them.
import { UserError } from '../errors.js';

export interface LabelFilter {
  readonly key: string;
  /** Undefined: the label only has to be there. */
  readonly value: string | undefined;
}

export function parseLabelFilters(filters: readonly string[]): LabelFilter[] {
  return filters.map((filter) => {
    const match = /^label=([^=]+)(?:=(.*))?$/.exec(filter);
    if (!match) throw new UserError(`expected a filter like label=key or label=key=value, found "${filter}"`, { keyPath: '--filter', hint: 'e.g. --filter label=com.docker.compose.project=myapp' });
    return { key: match[1] ?? '', value: match[2] };
  });
}

export function matchesLabelFilters(labels: Readonly<Record<string, string>>, filters: readonly LabelFilter[]): boolean {
  return filters.every(({ key, value }) => key in labels && (value === undefined || labels[key] === value));
}

/** Columns padded to the widest cell, three spaces apart (docker's plain tables). */
export function plainTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 3))).join('').trimEnd() + '\n').join('');
}
