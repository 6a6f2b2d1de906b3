// Sum per-blob progress events into one figure and print it: "Pulling 42 % of 31 MB".

/** The fields of a pull or push progress event that the totals need. */
export interface BlobProgress {
  readonly digest: string;
  readonly done: number;
  readonly total: number;
}

/** Bytes done and expected over every blob seen so far; blobs that were skipped count as done. */
export class TransferTotals {
  private readonly blobs = new Map<string, { done: number; total: number }>();

  update(event: BlobProgress): void {
    this.blobs.set(event.digest, { done: Math.min(event.done, event.total), total: event.total });
  }

  get done(): number {
    let sum = 0;
    for (const blob of this.blobs.values()) sum += blob.done;
    return sum;
  }

  get total(): number {
    let sum = 0;
    for (const blob of this.blobs.values()) sum += blob.total;
    return sum;
  }

  get percent(): number {
    return transferPercent(this.done, this.total);
  }
}

/** Whole percent, 100 only when everything is done. */
export function transferPercent(done: number, total: number): number {
  if (total === 0) return 100;
  return done >= total ? 100 : Math.min(99, Math.floor((done / total) * 100));
}

/** `Pulling 42 % of 31 MB` (decimal units, as docker prints sizes). */
export function formatTransfer(verb: string, totals: Pick<TransferTotals, 'percent' | 'total'>): string {
  return `${verb} ${totals.percent} % of ${formatBytes(totals.total)}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${text} ${units[unit] ?? 'B'}`;
}
