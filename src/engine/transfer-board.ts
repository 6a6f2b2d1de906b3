// Bytes of image pulls in flight, per image, for the progress display ("Pulling 42 % of 31 MB"):
// blob events arrive per chunk, the board publishes at most a few times a second.
import { BehaviorSubject, type Observable } from 'rxjs';
import { type BlobProgress, TransferTotals } from '../image/registry/transfer-progress.js';

export interface TransferFigure {
  readonly done: number;
  readonly total: number;
}

/** How often a display hears of new bytes: often enough to move, rarely enough not to flood berthd's socket. */
const PUBLISH_EVERY_MS = 250;

export class TransferBoard {
  private readonly totals = new Map<string, TransferTotals>();
  private readonly subject = new BehaviorSubject<Readonly<Record<string, TransferFigure>>>({});
  private timer: NodeJS.Timeout | undefined;
  /** Bytes came in since the last publication. */
  private pending = false;

  /** Every image's figure while its pull runs; `{}` when none does. */
  get figures$(): Observable<Readonly<Record<string, TransferFigure>>> {
    return this.subject;
  }

  /** A blob event of `image`'s pull. */
  update(image: string, event: BlobProgress): void {
    let totals = this.totals.get(image);
    if (!totals) this.totals.set(image, (totals = new TransferTotals()));
    totals.update(event);
    // The first news at once (the size is known), then at most one publication per period.
    if (this.timer) {
      this.pending = true;
      return;
    }
    this.publish();
    this.startPeriod();
  }

  private startPeriod(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.pending) return;
      this.pending = false;
      this.publish();
      this.startPeriod();
    }, PUBLISH_EVERY_MS);
  }

  /** `image`'s pull ended (done or failed): its figure goes. */
  finish(image: string): void {
    if (this.totals.delete(image)) this.publish();
  }

  close(): void {
    clearTimeout(this.timer);
    this.subject.complete();
  }

  private publish(): void {
    this.subject.next(Object.fromEntries([...this.totals].map(([image, totals]) => [image, { done: totals.done, total: totals.total }])));
  }
}
