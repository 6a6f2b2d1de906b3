// An in-memory runtime for loop tests: containers that start, turn healthy and exit on a virtual clock.
// The real drivers are tested on their own; this pins the loop's timing and ordering.
import type { Observable, SchedulerLike } from 'rxjs';
import { Subject, map, throwError, timer } from 'rxjs';
import type { Action, ObservedContainer } from '../../../src/plan/plan-types.js';
import type { LoopEvent, ObservedChange } from '../../../src/reconcile/loop-state.js';
import type { ActionExecutor } from '../../../src/reconcile/reconcile-loop.js';

export interface SimulatedBehaviour {
  /** ms after a start when the first probe says healthy. */
  healthyAfter?: number;
  /** ms after a start when the process exits, and with which code. */
  exitAfter?: number;
  exitCode?: number;
}

export class SimulatedRuntime implements ActionExecutor {
  readonly events = new Subject<LoopEvent>();
  readonly log: string[] = [];
  private readonly containers = new Map<string, ObservedContainer>();

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly behaviour: Record<string, SimulatedBehaviour>,
    private readonly failing: Record<string, string> = {},
    /** Virtual ms each action takes. */
    private readonly latency = 10,
  ) {}

  execute(action: Action): Observable<readonly ObservedChange[]> {
    const failure = this.failing[action.kind];
    if (failure !== undefined) return throwError(() => new Error(failure));
    return timer(this.latency, this.scheduler).pipe(
      map(() => {
        this.log.push(`${this.scheduler.now()} ${action.kind} ${'container' in action ? action.container : ''}`.trim());
        return this.apply(action);
      }),
    );
  }

  private apply(action: Action): ObservedChange[] {
    const now = this.scheduler.now();
    switch (action.kind) {
      case 'create-network':
        return [{ kind: 'network', network: action.network, present: true }];
      case 'remove-network':
        return [{ kind: 'network', network: action.network, present: false }];
      case 'create-volume':
        return [{ kind: 'volume', volume: action.volume, present: true }];
      case 'remove-volume':
        return [{ kind: 'volume', volume: action.volume, present: false }];
      case 'pull-image':
      case 'build-image':
        return [{ kind: 'image', image: action.image, refreshed: true }];
      case 'create-container':
        return [this.put({ name: action.container, service: action.service, number: action.number, configHash: action.configHash, status: 'created', restartCount: 0 })];
      case 'start-container':
      case 'restart-container': {
        const old = this.containers.get(action.container);
        if (!old) throw new Error(`no container ${action.container}`);
        const behaviour = this.behaviour[old.service] ?? {};
        const restarts = action.kind === 'restart-container' && action.reason === 'policy';
        this.scheduleEvents(action.container, behaviour);
        return [
          this.put({
            ...old,
            status: 'running',
            startedAt: now,
            finishedAt: undefined,
            exitCode: undefined,
            health: behaviour.healthyAfter !== undefined ? 'starting' : undefined,
            restartCount: old.restartCount + (restarts ? 1 : 0),
            lastBackoffMs: restarts ? action.backoffMs : old.lastBackoffMs,
          }),
        ];
      }
      case 'stop-container': {
        const old = this.containers.get(action.container);
        if (!old) throw new Error(`no container ${action.container}`);
        return [this.put({ ...old, status: 'exited', exitCode: 143, finishedAt: now, stoppedByUser: action.reason === 'stop' })];
      }
      case 'remove-container':
        this.containers.delete(action.container);
        return [{ kind: 'container-removed', container: action.container }];
      case 'fail-service':
        return [];
    }
  }

  private scheduleEvents(name: string, behaviour: SimulatedBehaviour): void {
    if (behaviour.healthyAfter !== undefined) {
      this.scheduler.schedule(() => this.events.next({ type: 'health', container: name, health: 'healthy' }), behaviour.healthyAfter);
    }
    if (behaviour.exitAfter !== undefined) {
      this.scheduler.schedule(() => {
        this.log.push(`${this.scheduler.now()} exited ${name}`);
        const old = this.containers.get(name);
        if (old) this.containers.set(name, { ...old, status: 'exited' });
        this.events.next({ type: 'container-exited', container: name, exitCode: behaviour.exitCode ?? 0, at: this.scheduler.now() });
      }, behaviour.exitAfter);
    }
  }

  private put(container: ObservedContainer): ObservedChange {
    this.containers.set(container.name, container);
    return { kind: 'container', container };
  }
}
