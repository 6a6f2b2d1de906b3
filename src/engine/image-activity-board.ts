// What the image steps in flight are doing, per image, for the progress display: a pull's bytes
// ("Pulling 42 % of 31 MB") or a build's step ("Building 3/10 RUN make"). Events arrive per chunk
// or per step; the board publishes the first at once, then at most a few times a second.
import { BehaviorSubject, type Observable } from 'rxjs';
import { type BlobProgress, TransferTotals } from '../image/registry/transfer-progress.js';

export type ImageActivity =
  | { readonly kind: 'pull'; readonly done: number; readonly total: number }
  | { readonly kind: 'build'; readonly step: number; readonly steps: number; readonly instruction: string };

/** How often a display hears news: often enough to move, rarely enough not to flood berthd's socket. */
const PUBLISH_EVERY_MS = 250;

export class ImageActivityBoard {
  private readonly pulls = new Map<string, TransferTotals>();
  private readonly activities = new Map<string, ImageActivity>();
  private readonly subject = new BehaviorSubject<Readonly<Record<string, ImageActivity>>>({});
  private timer: NodeJS.Timeout | undefined;
  /** News came in since the last publication. */
  private pending = false;

  /** Every image's activity while its step runs; `{}` when none does. */
  get activities$(): Observable<Readonly<Record<string, ImageActivity>>> {
    return this.subject;
  }

  /** A blob event of `image`'s pull. */
  pulled(image: string, event: BlobProgress): void {
    let totals = this.pulls.get(image);
    if (!totals) this.pulls.set(image, (totals = new TransferTotals()));
    totals.update(event);
    this.set(image, { kind: 'pull', done: totals.done, total: totals.total });
  }

  /** `image`'s build began a step. */
  building(image: string, step: number, steps: number, instruction: string): void {
    this.set(image, { kind: 'build', step, steps, instruction });
  }

  /** `image`'s step ended (done or failed): its activity goes at once. */
  finish(image: string): void {
    this.pulls.delete(image);
    if (this.activities.delete(image)) this.publish();
  }

  close(): void {
    clearTimeout(this.timer);
    this.subject.complete();
  }

  private set(image: string, activity: ImageActivity): void {
    this.activities.set(image, activity);
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

  private publish(): void {
    this.subject.next(Object.fromEntries(this.activities));
  }
}
