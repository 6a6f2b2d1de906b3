// The data that `decide` reads and writes: desired state, observed state, actions, service status.

/** What the user asked for, already resolved from the project (names, hashes, policies). */
export interface DesiredState {
  readonly project: string;
  /**
   * The project's networks and volumes: `up` makes them, `down` removes them once no container is
   * left; `stop` leaves them as they are. Each service has its own goal besides.
   */
  readonly goal: 'up' | 'stop' | 'down';
  /**
   * The services the loop looks after, each with its goal: those of this request, and those an
   * earlier request of the session left running (their restart policies still apply).
   */
  readonly services: readonly DesiredService[];
  /** The services this request is about: it is done when they are. */
  readonly requested: readonly string[];
  /** Networks and volumes berth manages for this project, by their real names. */
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  /**
   * `diverged`: recreate containers whose config hash differs; `never`: keep them (`--no-recreate`).
   * `--force-recreate` is `diverged` with a hash salted per run, so every older container differs.
   */
  readonly recreate: 'diverged' | 'never';
  /** Every service name of the project, selected or not: containers of any other service are orphans. */
  readonly knownServices: readonly string[];
  /** Remove containers of services no longer in the project. */
  readonly removeOrphans: boolean;
  /** `down -v`: remove the project's named volumes too. */
  readonly removeVolumes: boolean;
}

/** What a service should become: `created` is `up --no-start` and `berth create`; `removed` is `rm` and `down`. */
export type ServiceGoal = 'running' | 'created' | 'stopped' | 'removed';

export interface DesiredService {
  readonly name: string;
  readonly goal: ServiceGoal;
  /** When the service was last asked for: containers that exited before it are started again, later exits follow their policy. */
  readonly since: number;
  /** `berth restart`: containers that started before this time are restarted once. */
  readonly restartStartedBefore?: number | undefined;
  readonly configHash: string;
  readonly replicas: number;
  /** The image reference to run; a service with only `build:` names `<project>-<service>`. */
  readonly image: string;
  readonly pullPolicy: PullPolicy;
  readonly dependsOn: readonly DependencyCondition[];
  /** Services whose containers must exist before ours is created (`network_mode: service:x`, `volumes_from`). */
  readonly createAfter: readonly string[];
  readonly restart: RestartPolicy;
  readonly hasHealthcheck: boolean;
  /** Has a `build:` section: a missing image is built rather than pulled. */
  readonly buildable: boolean;
  /** `container_name`, which allows one replica only. */
  readonly containerName?: string | undefined;
}

export type PullPolicy = 'always' | 'missing' | 'never' | 'build';

export interface DependencyCondition {
  readonly service: string;
  readonly condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  readonly required: boolean;
  /** Restart this service when the dependency is restarted or recreated. */
  readonly restart: boolean;
}

export interface RestartPolicy {
  readonly kind: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  /** `on-failure:N`: at most N restarts. */
  readonly maxRetries?: number | undefined;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'exited' | 'dead';
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One container as the runtime and the records report it. Times are milliseconds since the epoch. */
export interface ObservedContainer {
  readonly name: string;
  readonly service: string;
  readonly number: number;
  readonly configHash: string;
  /** The image it was created from (its store ID); a different ID under the same name means a newer image. */
  readonly imageId?: string | undefined;
  readonly status: ContainerStatus;
  readonly exitCode?: number | undefined;
  readonly oomKilled?: boolean | undefined;
  /** Absent when the container has no healthcheck. */
  readonly health?: HealthStatus | undefined;
  readonly startedAt?: number | undefined;
  readonly finishedAt?: number | undefined;
  /** The start time of the run whose exit was last seen, when known: tells a late exit of an older run from one of the latest. */
  readonly exitedRunStartedAt?: number | undefined;
  /** Restarts done by the restart policy since the container was created. */
  readonly restartCount: number;
  /** The delay before the last policy restart, so the next one can double it. */
  readonly lastBackoffMs?: number | undefined;
  /** Stopped by a user (`berth stop`, Ctrl-C): no policy restarts it, `unless-stopped` included. */
  readonly stoppedByUser?: boolean | undefined;
  /** How it was last stopped: by berth for a goal (`stop`; a later goal may start it again) or by `berth kill` (`kill`). */
  readonly stoppedBy?: 'stop' | 'kill' | undefined;
  /** Why the last create or start failed, when it did (command not found, a mount that failed). */
  readonly startError?: string | undefined;
}

export interface ObservedState {
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  /** Image references present in the store. */
  readonly images: readonly string[];
  /** The store ID of each present image reference, when known: containers of an older ID are recreated. */
  readonly imageIds?: Readonly<Record<string, string>> | undefined;
  /** Images pulled (or built) during this run, so `pull_policy: always` pulls once per `up`. */
  readonly refreshedImages: readonly string[];
  /** Images that could not be pulled or built, with the reason. */
  readonly imageErrors: Readonly<Record<string, string>>;
  readonly containers: readonly ObservedContainer[];
  /** Keys of actions still running (`actionKey`), so decide never emits the same work twice. */
  readonly inFlight: readonly string[];
  /** Services already failed in this run, with the reason. */
  readonly failedServices: Readonly<Record<string, string>>;
}

/** The work `decide` asks for. Plain data: the loop executes it, tests print it. */
export type Action =
  | { readonly kind: 'create-network'; readonly network: string }
  | { readonly kind: 'remove-network'; readonly network: string }
  | { readonly kind: 'create-volume'; readonly volume: string }
  | { readonly kind: 'remove-volume'; readonly volume: string }
  | { readonly kind: 'pull-image'; readonly image: string; readonly services: readonly string[] }
  | { readonly kind: 'build-image'; readonly image: string; readonly service: string }
  | {
      readonly kind: 'create-container';
      readonly service: string;
      readonly number: number;
      readonly container: string;
      readonly configHash: string;
    }
  | { readonly kind: 'start-container'; readonly service: string; readonly container: string }
  | {
      readonly kind: 'restart-container';
      readonly service: string;
      readonly container: string;
      readonly reason: 'policy' | 'dependency' | 'user';
      /** The backoff this restart waited (policy restarts), to be recorded for the next one. */
      readonly backoffMs?: number | undefined;
    }
  | { readonly kind: 'stop-container'; readonly service: string; readonly container: string; readonly reason: StopReason }
  | { readonly kind: 'remove-container'; readonly service: string; readonly container: string; readonly reason: StopReason }
  | { readonly kind: 'fail-service'; readonly service: string; readonly reason: string; readonly exitCode?: number | undefined; readonly hint?: string | undefined };

export type StopReason = 'stop' | 'remove' | 'down' | 'recreate' | 'scale' | 'orphan';

/** Where a service stands, for progress rows and for knowing when `up` is done. */
export type ServiceStatus =
  | { readonly state: 'pending'; readonly detail: string }
  | { readonly state: 'waiting'; readonly detail: string }
  | { readonly state: 'starting' }
  | { readonly state: 'running' }
  | { readonly state: 'healthy' }
  | { readonly state: 'completed' }
  /** Goal `created`: its containers exist and are not started. */
  | { readonly state: 'created' }
  | { readonly state: 'exited'; readonly exitCode: number }
  | { readonly state: 'restarting'; readonly detail: string }
  | { readonly state: 'failed'; readonly detail: string }
  | { readonly state: 'stopping' }
  | { readonly state: 'stopped' }
  | { readonly state: 'removed' };

export interface Decision {
  readonly actions: readonly Action[];
  readonly services: Readonly<Record<string, ServiceStatus>>;
  /** True when nothing is left to do or wait for: the goal is reached (or failed for good). */
  readonly settled: boolean;
  /** The earliest time a timer must wake the loop (a restart backoff ending), if any. */
  readonly wakeAt?: number | undefined;
  /** Containers of services that are not in the project (kept unless `removeOrphans`). */
  readonly orphans: readonly string[];
}

/** The key under which an action is tracked while it runs; one key per object acted on. */
export function actionKey(action: Action): string {
  switch (action.kind) {
    case 'create-network':
    case 'remove-network':
      return `network:${action.network}`;
    case 'create-volume':
    case 'remove-volume':
      return `volume:${action.volume}`;
    case 'pull-image':
    case 'build-image':
      return `image:${action.image}`;
    case 'fail-service':
      return `service:${action.service}`;
    default:
      return `container:${action.container}`;
  }
}
