// Columns laid out as Go's text/tabwriter does them (compose prints its tables through it), pure.

export interface TabLayout {
  /** tabwriter's minwidth: no padded cell is narrower, padding included. */
  minWidth: number;
  /** Spaces added after the widest cell of a column. */
  padding: number;
}

/**
 * Every cell but the last of a row is padded to its column's width (the widest cell plus
 * `padding`, at least `minWidth`); the last cell is printed as it is, as when a Go program
 * writes `a\tb\tc\n`. Widths count characters, not bytes.
 */
export function tabColumns(rows: readonly (readonly string[])[], layout: TabLayout): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? layout.minWidth, [...cell].length + layout.padding);
    });
  }
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - [...cell].length))).join('') + '\n')
    .join('');
}
