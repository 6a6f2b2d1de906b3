// The engine: one object over the drivers that runs projects (`up`, `stop`, `down`) through their reconcile loops.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DesiredService, DesiredState, PullPolicy } from '../plan/plan-types.js';
import { mergeDesired, resumedDesired } from '../plan/desired-merge.js';
import { desiredStateFromProject, type DesiredStateRequest, imageOf, type StackCommand } from '../plan/desired-state.js';
import type { LoopState } from '../reconcile/loop-state.js';
import type { Project } from '../spec/model.js';
import { ensureDirectory } from '../state/atomic-write.js';
import { withFileLock } from '../state/lock-file.js';
import type { StatePaths } from '../state/paths.js';
import { removeUnfinishedContainer } from './container-lifecycle.js';
import { UserError } from '../errors.js';
import { abandonedCreateIntents } from './create-intents.js';
import { DnsRegistry } from './dns-registry.js';
import { closeEngineDrivers, type EngineDrivers, openEngineDrivers } from './engine-drivers.js';
import { type ContainerSignal, signalContainers } from './container-signals.js';
import { projectContainers } from './observe-project.js';
import { orphanedContainerIds } from './orphan-sweep.js';
import { listContainerRecords, runtimeDirs } from '../runtime/container-record.js';
import { ProjectSession, SupersededError, TimeoutError } from './project-session.js';
import { type Observable, Subject, combineLatest, filter } from 'rxjs';
import type { ObservedContainer } from '../plan/plan-types.js';
import { type ContainerEvent, containerEvents } from './container-events.js';
import { ImageActivityBoard } from './image-activity-board.js';
import { ContainerIndex } from './container-index.js';
import { HealthSupervisor } from './health-supervisor.js';
import { type OneOffContainer, type OneOffRequest, removeOneOffs, startOneOff } from './one-off.js';
import type { ProjectContext } from './project-context.js';
import { readSessionRecord, readSessionRecords, removeSessionRecord, writeSessionRecord } from './session-record.js';
import { isDiskFull } from '../state/disk-full.js';
import { outcomeOf, progressSnapshot, type ProgressSnapshot, type RequestOutcome, settled, upStarted, waitFinished } from './request-outcome.js';

export interface UpOptions {
  /** Only these services (and their dependencies). */
  readonly services?: readonly string[] | undefined;
  readonly recreate?: 'diverged' | 'force' | 'never' | undefined;
  readonly removeOrphans?: boolean | undefined;
  /** `--pull`: overrides every service's pull_policy. */
  readonly pull?: PullPolicy | undefined;
  /** `--wait`: resolve once every service is healthy (or running, without a healthcheck). */
  readonly wait?: boolean | undefined;
  readonly waitTimeoutMs?: number | undefined;
  /** `-t`: grace period for containers stopped on the way (recreate, scale). */
  readonly stopTimeoutMs?: number | undefined;
  /** `--no-deps`: only the named services, started without waiting for their dependencies. */
  readonly noDeps?: boolean | undefined;
  /** `--no-start` (and `berth create`): create the containers, start none. */
  readonly noStart?: boolean | undefined;
  /** `--build`: build the images of services with `build:` first; `false` (`--no-build`): never build. */
  readonly build?: boolean | undefined;
  /** `--always-recreate-deps`: recreate the dependencies the named services pull in. */
  readonly recreateDependencies?: boolean | undefined;
}

/** `start`, `restart`, `stop`: the services (all when empty) and the grace period for stopping. */
export interface ServicesOptions {
  readonly services?: readonly string[] | undefined;
  readonly stopTimeoutMs?: number | undefined;
}

export interface RemoveOptions extends ServicesOptions {
  /** `rm -s`: stop running containers first; without it only services with nothing running are removed. */
  readonly stop?: boolean | undefined;
}

export interface DownOptions {
  /** `-v`: remove the project's named volumes too. */
  readonly volumes?: boolean | undefined;
  readonly removeOrphans?: boolean | undefined;
  readonly stopTimeoutMs?: number | undefined;
}

export interface RequestHooks {
  /** Every loop state while the request runs (for progress). */
  readonly onState?: ((state: ProgressSnapshot) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** A per-project lock serialises engines (two `up`s of one project); it is waited for this long. */
const PROJECT_LOCK_WAIT_MS = 10 * 60_000;

export class Engine {
  private readonly sessions = new Map<string, ProjectSession>();
  /** Per project, the request that holds its lock and waits for its goal: a later request cuts the wait short. */
  private readonly waiting = new Map<string, AbortController>();
  /** One-offs created for an attaching client, by name: their start, once the client is attached. */
  private readonly oneOffsToStart = new Map<string, () => Promise<void>>();
  private readonly dns: DnsRegistry;
  /** What happens to the containers of every project this engine runs (`berth events`). */
  private readonly events$ = new Subject<ContainerEvent>();

  private constructor(readonly drivers: EngineDrivers) {
    this.dns = new DnsRegistry(drivers);
  }

  /** Open the drivers and take over what an earlier engine left running (containers, networks). */
  static async open(paths: StatePaths, options: { env?: Readonly<Record<string, string | undefined>> } = {}): Promise<Engine> {
    const drivers = await openEngineDrivers(paths, { env: options.env ?? process.env });
    try {
      await drivers.runtime.adopt();
      await drivers.networks.adopt();
      // Containers an earlier engine began but never finished: nothing names them, so they go now.
      for (const intent of await abandonedCreateIntents(paths)) await removeUnfinishedContainer({ drivers }, intent.id);
      // And the pieces of containers an earlier engine was removing when it died.
      // Records alone (no status: that could ask runc about every container).
      const records = new Set((await listContainerRecords(runtimeDirs(paths))).map((record) => record.id));
      for (const id of await orphanedContainerIds(paths, records)) await removeUnfinishedContainer({ drivers }, id);
    } catch (error) {
      await closeEngineDrivers(drivers);
      throw error;
    }
    return new Engine(drivers);
  }

  /** Converge the project to running; resolves when every service started (or is healthy, with `wait`). */
  async up(project: Project, options: UpOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    const desired = withPullPolicy(
      await this.desired(project, options.noStart ? 'create' : 'up', options.services, {
        recreate: options.recreate,
        removeOrphans: options.removeOrphans,
        noDeps: options.noDeps,
        recreateDependencies: options.recreateDependencies,
      }),
      options.pull,
      options.build,
    );
    const done = options.wait ? waitFinished : upStarted;
    const state = await this.run(project, desired, done, options.stopTimeoutMs, hooks, options.wait ? options.waitTimeoutMs : undefined);
    return outcomeOf(state, { requireHealthy: options.wait === true });
  }

  /** Start the existing containers of the services (and of what they depend on), in dependency order. */
  async start(project: Project, options: ServicesOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    const existing = new Set((await projectContainers(this.drivers, project.name)).map(({ container }) => container.identity.service));
    const named = options.services ?? [];
    const without = named.filter((service) => !existing.has(service));
    // compose's start never creates: named services must have containers, and unnamed ones without any are skipped.
    const services = named.length > 0 ? named : Object.keys(project.services).filter((service) => existing.has(service));
    if (without.length > 0 || services.length === 0) {
      throw new UserError(`no containers to start${without.length > 0 ? ` for ${without.join(', ')}` : ''}`, {
        hint: 'create them with `berth up` (or `berth create`)',
      });
    }
    return this.request(project, 'start', { ...options, services }, hooks, upStarted);
  }

  /** Restart the containers of the services: running ones are stopped and started, stopped ones started. */
  async restart(project: Project, options: ServicesOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    return this.request(project, 'restart', options, hooks, upStarted);
  }

  /** Stop the project's containers (or those of `services`), keeping them. */
  async stop(project: Project, options: ServicesOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    return this.request(project, 'stop', options, hooks, settled);
  }

  /** `rm`: remove the stopped containers of the services (with `stop`, running ones too); networks stay. */
  async rm(project: Project, options: RemoveOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    let services = options.services && options.services.length > 0 ? options.services : Object.keys(project.services);
    if (!options.stop) {
      // compose removes stopped containers only; a service with one still running is left whole.
      const running = new Set(
        (await projectContainers(this.drivers, project.name))
          .filter(({ status }) => status.state === 'running' || status.state === 'paused')
          .map(({ container }) => container.identity.service),
      );
      services = services.filter((service) => !running.has(service));
      if (services.length === 0) return { ok: true, services: [], failures: [], errors: [] };
    }
    return this.request(project, 'rm', { ...options, services }, hooks, settled);
  }

  /** Remove the project's containers and networks (and volumes with `volumes`); the session ends. */
  async down(project: Project, options: DownOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    const desired = await this.desired(project, 'down', [], { removeOrphans: options.removeOrphans, removeVolumes: options.volumes });
    this.supersede(project.name);
    try {
      // `run` containers go too (compose's down includes one-offs): they would keep the networks in use.
      await this.withProjectLock(project.name, () => removeOneOffs(this.contextFor(project)));
      const state = await this.run(project, desired, settled, options.stopTimeoutMs, hooks);
      const outcome = outcomeOf(state, { requireHealthy: false });
      // A down that did not finish stays recorded: a restarted berthd goes on with it.
      if (outcome.ok) await removeSessionRecord(this.drivers.paths, project.name);
      return outcome;
    } finally {
      // Under the lock, and only while down is still the goal: a later `up` may have taken the session over.
      await this.withProjectLock(project.name, async () => {
        const session = this.sessions.get(project.name);
        if (session && session.desired?.goal !== 'down') return;
        session?.close();
        this.sessions.delete(project.name);
      });
    }
  }

  /**
   * Keep the session's goal on disk for the next berthd. A full disk must not stop a `down`: its record
   * is removed instead (a berthd that dies mid-way then leaves the rest to the next `down`).
   */
  private async recordSession(project: Project, desired: DesiredState): Promise<void> {
    try {
      await writeSessionRecord(this.drivers.paths, { project, desired });
    } catch (error) {
      if (desired.goal !== 'down' || !isDiskFull(error)) throw error;
      await removeSessionRecord(this.drivers.paths, project.name);
    }
  }

  /** A new request for the project: the one that holds its lock stops waiting for its goal (see `run`). */
  private supersede(projectName: string): void {
    this.waiting.get(projectName)?.abort(new SupersededError(projectName));
  }

  /**
   * berthd's start: take up every recorded session this engine does not run yet, so restart policies,
   * probes and names work again (see `resumedDesired`). Returns the projects taken up.
   */
  async resume(onError: (project: string, error: unknown) => void = () => undefined): Promise<string[]> {
    const resumed: string[] = [];
    for (const { project, desired } of await readSessionRecords(this.drivers.paths, (file, error) => onError(file, error))) {
      if (this.sessions.has(project.name)) continue;
      try {
        await this.withProjectLock(project.name, async () => {
          if (this.sessions.has(project.name)) return;
          this.addSession(project.name, await ProjectSession.open(this.drivers, this.dns, project, resumedDesired(desired, Date.now())));
        });
        resumed.push(project.name);
      } catch (error) {
        onError(project.name, error);
      }
    }
    return resumed;
  }

  /**
   * `berth run`: start the services it depends on (unless `noDeps`; the networks and volumes in any
   * case), then create and start a one-off container of the service. Its exit is the caller's to wait for.
   */
  async runOneOff(project: Project, request: OneOffRequest, hooks: RequestHooks = {}): Promise<OneOffContainer> {
    const service = project.services[request.service];
    if (!service) throw new UserError(`no such service: ${request.service}`, { hint: `services: ${Object.keys(project.services).join(', ')}` });
    const dependencies = request.noDeps ? [] : Object.keys(service.depends_on ?? {}).filter((name) => project.services[name] !== undefined);
    const prepared =
      dependencies.length > 0
        ? await this.up(project, { services: dependencies }, hooks)
        : await this.request(project, 'up', { services: [] }, hooks, settled, { infrastructureOnly: true });
    if (!prepared.ok) {
      const reasons = [...prepared.failures.map(({ service: name, reason }) => `${name}: ${reason}`), ...prepared.errors];
      throw new UserError(`run ${request.service}: its dependencies did not start (${reasons.join('; ')})`, { hint: 'see `berth logs` for what they printed' });
    }
    const created = await this.withProjectLock(project.name, () => startOneOff(this.contextFor(project), request));
    if (request.startLater) this.oneOffsToStart.set(created.name, created.start);
    return { id: created.id, name: created.name };
  }

  /** Start a one-off that `runOneOff` created with `startLater` (its client has attached by now). */
  async startOneOff(project: Project, name: string): Promise<void> {
    const start = this.oneOffsToStart.get(name);
    if (!start) throw new UserError(`no one-off container ${name} waits to be started`, { hint: 'run it again with `berth run`' });
    this.oneOffsToStart.delete(name);
    await this.withProjectLock(project.name, start);
  }

  /** Remove a one-off container (`run --rm` once it exited); returns whether there was one. */
  async removeOneOff(project: Project, name: string): Promise<boolean> {
    // A client that never started it (it went away while attaching) leaves its start behind.
    this.oneOffsToStart.delete(name);
    return (await this.withProjectLock(project.name, () => removeOneOffs(this.contextFor(project), name))).length > 0;
  }

  /** The project's session context, or (no session yet) one good for acting on single containers. */
  private contextFor(project: Project): ProjectContext {
    const session = this.sessions.get(project.name);
    if (session) return session.context;
    const health = new HealthSupervisor(this.drivers.runtime, () => undefined);
    return { drivers: this.drivers, project, index: new ContainerIndex(), dns: this.dns, health, images: new ImageActivityBoard() };
  }

  /** `kill`, `pause`, `unpause` of the services' containers (all when empty); returns the containers acted on. */
  async signal(projectName: string, services: readonly string[], command: ContainerSignal): Promise<string[]> {
    return signalContainers(this.drivers, this.sessions.get(projectName), projectName, services, command);
  }

  private async request(
    project: Project,
    command: StackCommand,
    options: ServicesOptions,
    hooks: RequestHooks,
    done: (state: LoopState) => boolean,
    { infrastructureOnly = false } = {},
  ): Promise<RequestOutcome> {
    const full = await this.desired(project, command, options.services, {});
    // Networks and volumes only (`run --no-deps`): no service is part of the request.
    const desired = infrastructureOnly ? { ...full, services: [], requested: [] } : full;
    const state = await this.run(project, desired, done, options.stopTimeoutMs, hooks);
    return outcomeOf(state, { requireHealthy: false });
  }

  private async desired(
    project: Project,
    command: StackCommand,
    services: readonly string[] | undefined,
    extra: Pick<DesiredStateRequest, 'recreate' | 'removeOrphans' | 'removeVolumes' | 'noDeps' | 'recreateDependencies'>,
  ): Promise<DesiredState> {
    const imagesWithHealthcheck = command === 'down' || command === 'stop' || command === 'rm' ? new Set<string>() : await this.imagesWithHealthcheck(project);
    return desiredStateFromProject(project, {
      command,
      services,
      since: Date.now(),
      runId: randomUUID(),
      imageHasHealthcheck: (image) => imagesWithHealthcheck.has(image),
      ...extra,
    });
  }

  /**
   * The service images in the store that declare a HEALTHCHECK (a service without its own healthcheck
   * inherits it). An image not pulled yet counts as without one until the next `up`.
   */
  private async imagesWithHealthcheck(project: Project): Promise<Set<string>> {
    const images = new Set(Object.entries(project.services).map(([name, service]) => imageOf(project.name, name, service)));
    const found = await Promise.all(
      [...images].map(async (image) => {
        const record = await this.drivers.images.find(image).catch(() => undefined);
        const test = record?.config.config?.Healthcheck?.Test;
        return test && test.length > 0 && test[0] !== 'NONE' ? image : undefined;
      }),
    );
    return new Set(found.filter((image): image is string => image !== undefined));
  }

  /** The running session of a project, if this engine has one (restart policies and probes live there). */
  session(projectName: string): ProjectSession | undefined {
    return this.sessions.get(projectName);
  }

  /** Stop every loop and the drivers' threads; containers keep running under their monitors. */
  async close(): Promise<void> {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    await closeEngineDrivers(this.drivers);
  }

  private async run(
    project: Project,
    desired: DesiredState,
    done: (state: LoopState) => boolean,
    stopTimeoutMs: number | undefined,
    hooks: RequestHooks,
    timeoutMs?: number,
  ): Promise<LoopState> {
    // A request still waiting for its goal gives way: its goal is merged already, this one's goes on top,
    // and a `down` never waits behind an `up --wait` for a service that will not get healthy.
    this.supersede(project.name);
    return this.withProjectLock(project.name, async () => {
      const superseded = new AbortController();
      this.waiting.set(project.name, superseded);
      let session = this.sessions.get(project.name);
      const isNew = session === undefined;
      // Services this request does not name keep what earlier requests asked of them (in berthd's
      // memory, or on disk when this engine has not met the project yet).
      const earlier = session?.desired ?? (await readSessionRecord(this.drivers.paths, project.name))?.desired;
      const merged = mergeDesired(earlier, desired);
      await this.recordSession(project, merged);
      if (!session) {
        session = await ProjectSession.open(this.drivers, this.dns, project, merged);
        this.addSession(project.name, session);
      }
      session.context.stopTimeoutMs = stopTimeoutMs;
      const progress = hooks.onState
        ? combineLatest([session.states$, session.context.images.activities$]).subscribe(([state, images]) => {
            if (state?.desired === merged) hooks.onState?.(progressSnapshot(state, images));
          })
        : undefined;
      try {
        const signal = hooks.signal ? AbortSignal.any([hooks.signal, superseded.signal]) : superseded.signal;
        const options = { signal, timeoutMs };
        return await (isNew ? session.until(merged, done, options) : session.request(project, merged, done, options)).catch((error: unknown) => {
          // Out of time (`--wait-timeout`): where each service stands is the answer, not an internal error.
          const last = session.states$.value;
          if (error instanceof TimeoutError && last?.desired === merged) return last;
          throw error;
        });
      } finally {
        progress?.unsubscribe();
        if (this.waiting.get(project.name) === superseded) this.waiting.delete(project.name);
      }
    });
  }

  /** Container events of one project (all when undefined), from now on, until unsubscribed. */
  events(projectName?: string): Observable<ContainerEvent> {
    return projectName === undefined ? this.events$ : this.events$.pipe(filter((event) => event.attributes.project === projectName));
  }

  /** Follow one project's container events (of `services`, all when empty) until the signal aborts. */
  watchEvents(projectName: string, services: readonly string[], onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const subscription = this.events(projectName).subscribe((event) => {
        if (services.length === 0 || services.includes(event.service)) onEvent(event);
      });
      const end = (): void => {
        subscription.unsubscribe();
        resolve();
      };
      if (signal.aborted) end();
      else signal.addEventListener('abort', end, { once: true });
    });
  }

  /** Keep the session, and tell `events` what happens to its containers. */
  private addSession(projectName: string, session: ProjectSession): void {
    this.sessions.set(projectName, session);
    let previous: readonly ObservedContainer[] | undefined;
    session.states$.subscribe((state) => {
      if (!state) return;
      const containers = state.observed.containers;
      if (previous !== undefined && previous !== containers) {
        for (const event of containerEvents(projectName, previous, containers, Date.now())) this.events$.next(event);
      }
      previous = containers;
    });
  }

  /** A per-project lock serialises engines (two `up`s of one project, in berthd and in-process). */
  private async withProjectLock<T>(projectName: string, run: () => Promise<T>): Promise<T> {
    const lockDir = path.join(this.drivers.paths.run, 'locks');
    await ensureDirectory(lockDir, 0o700);
    return withFileLock(path.join(lockDir, `project-${projectName}.lock`), run, PROJECT_LOCK_WAIT_MS);
  }
}

/**
 * `--pull` for the services that pull; `--build` builds every service with a `build:` section before
 * it starts, `--no-build` never builds (a missing image then fails as pull_policy never does).
 */
function withPullPolicy(desired: DesiredState, pull: PullPolicy | undefined, build: boolean | undefined): DesiredState {
  if (pull === undefined && build === undefined) return desired;
  const policyOf = (service: DesiredService): PullPolicy => {
    // A service with `build:` is built, not pulled: `--pull` leaves it alone.
    if (service.buildable) return build === undefined ? service.pullPolicy : build ? 'build' : 'never';
    return pull ?? service.pullPolicy;
  };
  return { ...desired, services: desired.services.map((service) => ({ ...service, pullPolicy: policyOf(service) })) };
}
