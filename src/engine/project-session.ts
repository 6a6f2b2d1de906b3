// One project's running reconcile loop: requests in, loop states out; exits and health feed it as events.
import type { Subscription } from 'rxjs';
import { BehaviorSubject, EMPTY, ReplaySubject, Subject, filter, firstValueFrom, fromEvent, merge, mergeMap, throwError, timer } from 'rxjs';
import type { DesiredState } from '../plan/plan-types.js';
import type { LoopEvent, LoopState, ObservedChange } from '../reconcile/loop-state.js';
import { reconcile } from '../reconcile/reconcile-loop.js';
import type { Project } from '../spec/model.js';
import { startProbes } from './container-lifecycle.js';
import type { DnsRegistry } from './dns-registry.js';
import type { EngineDrivers } from './engine-drivers.js';
import { readEngineRecord } from './engine-record.js';
import { HealthSupervisor } from './health-supervisor.js';
import { observeProject, presentImages } from './observe-project.js';
import { UserError } from '../errors.js';
import type { ProjectContext } from './project-context.js';
import { ImageActivityBoard } from './image-activity-board.js';
import { trace } from './trace.js';
import { ProjectExecutor } from './project-executor.js';

/** How long a request is waited for: until cancelled, or for at most `timeoutMs`. */
export interface WaitOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
}

/** Actions run at once per project: enough to start many containers in parallel, few enough not to thrash 2 cores. */
const CONCURRENCY = 16;

export class ProjectSession {
  private readonly desired$ = new ReplaySubject<DesiredState>(1);
  private readonly events$ = new Subject<LoopEvent>();
  /** The latest loop state (undefined until the first request is folded in). */
  readonly states$ = new BehaviorSubject<LoopState | undefined>(undefined);
  private readonly subscriptions: Subscription[] = [];
  private unwatchExits: () => void = () => undefined;

  private constructor(readonly context: ProjectContext) {}

  /** Read what exists of the project, adopt its running containers, and start the loop on `first`. */
  static async open(drivers: EngineDrivers, dns: DnsRegistry, project: Project, first: DesiredState): Promise<ProjectSession> {
    const { observed, index, statuses } = await observeProject(drivers, first);
    const health = new HealthSupervisor(drivers.runtime, (container, status) => session.events$.next({ type: 'health', container, health: status }));
    const session: ProjectSession = new ProjectSession({ drivers, project, index, dns, health, images: new ImageActivityBoard() });
    session.watchExits();
    // Running containers of an earlier engine process: their names resolve again and their probes run again.
    for (const container of index.all()) {
      const status = statuses.get(container.name);
      if (status?.state !== 'running') continue;
      const { dnsEndpoints } = await readEngineRecord(drivers.runtime.files(container.id).dir);
      await dns.register(dnsEndpoints).catch(() => undefined);
      const startedAt = status.record.startedAt !== undefined ? Date.parse(status.record.startedAt) : Date.now();
      await startProbes(session.context, container, startedAt);
    }
    const loop = reconcile({
      desired$: session.desired$,
      initialObserved: observed,
      executor: new ProjectExecutor(session.context),
      events$: session.events$,
      concurrency: CONCURRENCY,
    });
    session.subscriptions.push(loop.subscribe({ next: (state) => session.states$.next(state), error: (error: unknown) => session.states$.error(error) }));
    session.desired$.next(first);
    return session;
  }

  /** Ask for a new goal (with the project as it is now) and resolve with the first state where `done` holds. */
  async request(project: Project, desired: DesiredState, done: (state: LoopState) => boolean, options: WaitOptions = {}): Promise<LoopState> {
    const reached = this.until(desired, done, options);
    if (this.states$.value !== undefined) {
      this.context.project = project;
      // Images loaded or pulled since the session began count as present.
      const images = await presentImages(this.context.drivers, desired);
      this.events$.next({ type: 'observed', changes: images.map(({ image, id }) => ({ kind: 'image', image, refreshed: false, id })) });
      this.desired$.next(desired);
    }
    return reached;
  }

  /** The goal the loop works towards now (every request so far, merged), once the first one is folded in. */
  get desired(): DesiredState | undefined {
    return this.states$.value?.desired;
  }

  /** Tell the loop what a command did to a container outside it (`kill`, `pause`, `unpause`). */
  patchContainer(container: string, patch: Extract<ObservedChange, { kind: 'container-patch' }>['patch']): void {
    this.events$.next({ type: 'observed', changes: [{ kind: 'container-patch', container, patch }] });
  }

  /** The first state (of this request) where `done` holds. */
  until(desired: DesiredState, done: (state: LoopState) => boolean, options: WaitOptions = {}): Promise<LoopState> {
    const stop = merge(
      // The signal's reason when it carries one (a later request took over), else plain cancellation.
      options.signal ? fromEvent(options.signal, 'abort').pipe(mergeMap(() => throwError(() => (options.signal?.reason instanceof SupersededError ? options.signal.reason : new Error('cancelled'))))) : EMPTY,
      options.timeoutMs !== undefined ? timer(options.timeoutMs).pipe(mergeMap(() => throwError(() => new TimeoutError(options.timeoutMs ?? 0)))) : EMPTY,
    );
    return firstValueFrom(
      merge(this.states$, stop).pipe(
        filter((state): state is LoopState => state !== undefined && state.desired === desired && done(state)),
      ),
    );
  }

  private watchExits(): void {
    const { drivers, index, health, dns } = this.context;
    this.unwatchExits = drivers.runtime.onExit((status) => {
      const container = index.get(status.record.name);
      if (!container || container.id !== status.record.id) return;
      health.stop(container.name);
      trace(this.context.project.name, () => `exit ${container.name} ${status.exitCode ?? '?'}`);
      // Which run ended (its start time, from the record the exit was read with): the loop tells a late
      // exit of an earlier run from one of the run it has just started.
      const runStartedAt = status.record.startedAt !== undefined ? Date.parse(status.record.startedAt) : undefined;
      this.events$.next({ type: 'container-exited', container: container.name, exitCode: status.exitCode ?? -1, at: Date.now(), oomKilled: status.oomKilled, runStartedAt });
      // Names go as soon as the process does (the stop action withdraws them too; twice is harmless).
      void readEngineRecord(drivers.runtime.files(container.id).dir).then((record) => dns.unregister(record.dnsEndpoints)).catch(() => undefined);
    });
  }

  /** Stop the loop and the probes; containers keep running under their monitors. */
  close(): void {
    this.unwatchExits();
    this.context.health.close();
    this.context.images.close();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.states$.complete();
  }
}

export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs / 1000}s`);
  }
}

/** A request's wait cut short by a later request for the same project, which merged its goal on top. */
export class SupersededError extends UserError {
  constructor(project: string) {
    super(`a later request for project ${project} took over before this one finished`, {
      hint: 'what it asked for still applies unless the later request changed it: see `berth ps`',
    });
  }
}
