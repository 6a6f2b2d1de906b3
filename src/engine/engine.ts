// The engine: one object over the drivers that runs projects (`up`, `stop`, `down`) through their reconcile loops.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DesiredState, PullPolicy } from '../plan/plan-types.js';
import { desiredStateFromProject, imageOf } from '../plan/desired-state.js';
import type { LoopState } from '../reconcile/loop-state.js';
import type { Project } from '../spec/model.js';
import { ensureDirectory } from '../state/atomic-write.js';
import { withFileLock } from '../state/lock-file.js';
import type { StatePaths } from '../state/paths.js';
import { removeUnfinishedContainer } from './container-lifecycle.js';
import { abandonedCreateIntents } from './create-intents.js';
import { DnsRegistry } from './dns-registry.js';
import { closeEngineDrivers, type EngineDrivers, openEngineDrivers } from './engine-drivers.js';
import { ProjectSession } from './project-session.js';
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
  private readonly dns: DnsRegistry;

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
    } catch (error) {
      await closeEngineDrivers(drivers);
      throw error;
    }
    return new Engine(drivers);
  }

  /** Converge the project to running; resolves when every service started (or is healthy, with `wait`). */
  async up(project: Project, options: UpOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    const imagesWithHealthcheck = await this.imagesWithHealthcheck(project);
    const desired = withPullPolicy(
      desiredStateFromProject(project, {
        goal: 'up',
        services: options.services,
        since: Date.now(),
        recreate: options.recreate,
        runId: randomUUID(),
        removeOrphans: options.removeOrphans,
        imageHasHealthcheck: (image) => imagesWithHealthcheck.has(image),
      }),
      options.pull,
    );
    const done = options.wait ? waitFinished : upStarted;
    const state = await this.run(project, desired, done, options.stopTimeoutMs, hooks, options.wait ? options.waitTimeoutMs : undefined);
    return outcomeOf(state, { requireHealthy: options.wait === true });
  }

  /** Stop the project's containers (or those of `services`), keeping them. */
  async stop(project: Project, options: { services?: readonly string[]; stopTimeoutMs?: number } = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    const desired = desiredStateFromProject(project, { goal: 'stop', services: options.services, since: Date.now() });
    const state = await this.run(project, desired, settled, options.stopTimeoutMs, hooks);
    return outcomeOf(state, { requireHealthy: false });
  }

  /** Remove the project's containers and networks (and volumes with `volumes`); the session ends. */
  async down(project: Project, options: DownOptions = {}, hooks: RequestHooks = {}): Promise<RequestOutcome> {
    const desired = desiredStateFromProject(project, {
      goal: 'down',
      since: Date.now(),
      removeOrphans: options.removeOrphans,
      removeVolumes: options.volumes,
    });
    try {
      const state = await this.run(project, desired, settled, options.stopTimeoutMs, hooks);
      return outcomeOf(state, { requireHealthy: false });
    } finally {
      this.sessions.get(project.name)?.close();
      this.sessions.delete(project.name);
    }
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
    const lockDir = path.join(this.drivers.paths.run, 'locks');
    await ensureDirectory(lockDir, 0o700);
    return withFileLock(path.join(lockDir, `project-${project.name}.lock`), async () => {
      let session = this.sessions.get(project.name);
      const isNew = session === undefined;
      if (!session) {
        session = await ProjectSession.open(this.drivers, this.dns, project, desired);
        this.sessions.set(project.name, session);
      }
      session.context.stopTimeoutMs = stopTimeoutMs;
      const progress = hooks.onState
        ? session.states$.subscribe((state) => {
            if (state?.desired === desired) hooks.onState?.(progressSnapshot(state));
          })
        : undefined;
      try {
        const options = { signal: hooks.signal, timeoutMs };
        return isNew ? await session.until(desired, done, options) : await session.request(project, desired, done, options);
      } finally {
        progress?.unsubscribe();
      }
    }, PROJECT_LOCK_WAIT_MS);
  }
}

function withPullPolicy(desired: DesiredState, pull: PullPolicy | undefined): DesiredState {
  if (pull === undefined) return desired;
  return { ...desired, services: desired.services.map((service) => ({ ...service, pullPolicy: pull })) };
}
