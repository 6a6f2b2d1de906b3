// The reconcile loop (rxjs): events in → fold into state → decide → execute actions → results back in.
//
//   desired$ ─┐
//   events$  ─┼─ scan(apply + decide + launch) ─┬─ mergeMap(execute, concurrency) ─→ feedback
//   feedback ─┘                                 └─ wakeAt → timer ─→ tick ─→ feedback
//
// Nothing polls: exits and health results arrive as events, backoffs as one timer for the earliest
// wake-up. Every pass recomputes the decision from the whole state (level-triggered).
import type { Observable, ObservableInput, SchedulerLike } from 'rxjs';
import {
  EMPTY,
  Subject,
  asyncScheduler,
  catchError,
  defer,
  filter,
  from,
  ignoreElements,
  map,
  merge,
  mergeMap,
  observeOn,
  of,
  queueScheduler,
  scan,
  switchMap,
  tap,
  timer,
} from 'rxjs';
import { UserError, ValueError } from '../errors.js';
import type { Action, DesiredState, ObservedState } from '../plan/plan-types.js';
import type { LoopEvent, LoopState, ObservedChange } from './loop-state.js';
import { applyEvent, decideAndLaunch } from './loop-state.js';

/** Does the work of one action and says what changed; a failure is an Error (with `exitCode` when the runtime gave one). */
export interface ActionExecutor {
  execute(action: Action): ObservableInput<readonly ObservedChange[]>;
}

export interface ReconcileOptions {
  /** Requests: the first one starts the loop; later ones (scale, stop, down) replace the goal. */
  readonly desired$: Observable<DesiredState>;
  /** What existed when the loop began (records, runtime state, networks, images). */
  readonly initialObserved: ObservedState;
  readonly executor: ActionExecutor;
  /** Exit and health events from the monitor and the probes. */
  readonly events$?: Observable<LoopEvent> | undefined;
  /** Time source and timers; a TestScheduler in tests. */
  readonly scheduler?: SchedulerLike | undefined;
  /** Actions executed at once (independent ones only: decide never emits two for one object). */
  readonly concurrency?: number | undefined;
}

/** A stream of loop states, one per event; subscribe to run the loop, unsubscribe to stop it. */
export function reconcile(options: ReconcileOptions): Observable<LoopState> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const concurrency = options.concurrency ?? 8;
  return defer(() => {
    const feedback = new Subject<LoopEvent>();
    const launches = new Subject<Action>();
    const wakeUps = new Subject<number | undefined>();
    // The side paths subscribe before the event sources start, so no early decision is lost.
    const execution = launches.pipe(
      mergeMap((action) => executeOne(options.executor, action), concurrency),
      tap((event) => feedback.next(event)),
    );
    // Every state re-arms the timer from the current time (switchMap drops the previous one). Not
    // deduplicated: a timer that fired a millisecond early leaves the same wake-up time, which must be armed again.
    const timers = wakeUps.pipe(
      switchMap((at) => (at === undefined ? EMPTY : timer(Math.max(0, at - scheduler.now()), scheduler))),
      tap(() => feedback.next({ type: 'tick' })),
    );
    // Feedback and runtime events are subscribed before requests, whose first value may come at once.
    const events = merge(
      feedback,
      options.events$ ?? EMPTY,
      options.desired$.pipe(map((desired): LoopEvent => ({ type: 'desired', desired }))),
    ).pipe(
      // Every event is handled in a queue task, so an event raised while another is being handled
      // (a synchronous executor, a failure) waits its turn instead of re-entering scan.
      observeOn(queueScheduler),
    );
    const states = events.pipe(
      scan<LoopEvent, LoopState | undefined>((state, event) => {
        if (!state) {
          if (event.type !== 'desired') return undefined;
          state = emptyState(event.desired, options.initialObserved);
        }
        return decideAndLaunch(applyEvent(state, event), scheduler.now());
      }, undefined),
      filter((state): state is LoopState => state !== undefined),
      tap((state) => {
        for (const action of state.launch) launches.next(action);
        wakeUps.next(state.decision?.wakeAt);
      }),
    );
    return merge(execution.pipe(ignoreElements()), timers.pipe(ignoreElements()), states);
  });
}

function executeOne(executor: ActionExecutor, action: Action): Observable<LoopEvent> {
  return defer(() => from(executor.execute(action))).pipe(
    map((changes): LoopEvent => ({ type: 'action-done', action, changes })),
    catchError((error: unknown) => {
      const exitCode = (error as { exitCode?: unknown } | null)?.exitCode;
      return of<LoopEvent>({
        type: 'action-failed',
        action,
        error: error instanceof Error ? error.message : String(error),
        exitCode: typeof exitCode === 'number' ? exitCode : undefined,
        hint: error instanceof UserError || error instanceof ValueError ? error.hint : undefined,
      });
    }),
  );
}

function emptyState(desired: DesiredState, observed: ObservedState): LoopState {
  return { desired, observed: { ...observed, inFlight: [] }, decision: undefined, launch: [], failures: {}, abandoned: [] };
}
