// `up()`: load a compose project (files or an object), bring it up in berthd under an owner lease, wait until ready.
import path from 'node:path';
import { daemonPaths, ensureDaemon } from '../daemon/daemon-process.js';
import type { RequestOutcome } from '../engine/request-outcome.js';
import { SystemError, UserError } from '../errors.js';
import { loadProject, type LoadProjectOptions } from '../spec/load-project.js';
import type { Project } from '../spec/model.js';
import { statePathsFromEnv, type StatePaths } from '../state/paths.js';
import { holdOwnerLease, type OwnerLease } from './owner-lease-client.js';
import type { WaitClock } from './readiness-loop.js';
import { type ServiceFailure, ServiceNotReadyError } from './service-not-ready-error.js';
import { type DownOptions, type Stack, StartedStack } from './started-stack.js';
import { readStackContainers } from './stack-containers.js';
import { containerLogLines } from './stack-logs.js';
import { waitForServices } from './stack-readiness.js';
import { toWaitConditions, type WaitPlan } from './wait-for.js';

/** A compose document as an object (what a compose file holds), or its YAML text. */
export type ComposeSpec = Readonly<Record<string, unknown>> | string;

export interface StackOptions {
  /** Compose files (relative to `projectDirectory`, else the working directory). Default: compose's file search. */
  readonly files?: string | readonly string[];
  /** The compose document itself, instead of files. */
  readonly spec?: ComposeSpec;
  /** Default: `name:` of the document, else the project directory's name. */
  readonly projectName?: string;
  /** Where relative paths in the project resolve (bind mounts, env files). Default: the first file's directory, else the working directory. */
  readonly projectDirectory?: string;
  /** Added to `process.env`: for interpolation, and for berth itself (`BERTH_ROOT`, `BERTH_RUN` choose the berthd). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Enabled profiles (default: `COMPOSE_PROFILES`). */
  readonly profiles?: readonly string[];
  /** Conditions per service, met before `up` resolves. */
  readonly wait?: WaitPlan;
  /** Wait for every service with a healthcheck to be healthy, as `up --wait` (default true). */
  readonly waitForHealthchecks?: boolean;
  /** How long the stack may take to become ready (default 60 s); each condition may set its own. */
  readonly timeoutMs?: number;
  /** Grace period of stops on `down` and on the lease's teardown (default 1 s). */
  readonly stopTimeoutMs?: number;
  /** Leave the stack as it is when it fails to come up, to look at it (default: take it down). */
  readonly keepOnFailure?: boolean;
  /** Register an owner lease: berthd takes the stack down if this process dies without `down` (default true). */
  readonly lease?: boolean;
  /** The command that runs berthd in the foreground when none answers (default: this package's `berth daemon run`). */
  readonly daemonCommand?: readonly string[];
  /** Lines of each container's log kept in a `ServiceNotReadyError` (default 20). */
  readonly logTail?: number;
  /** The readiness loop's clock (tests). */
  readonly clock?: WaitClock;
}

/** The service names of an object spec as a union of literals (so `stack.service('dbb')` does not compile); `string` otherwise. */
export type ServiceNames<Options> = Options extends { readonly spec: { readonly services: infer Services } }
  ? Services extends Readonly<Record<string, unknown>>
    ? Extract<keyof Services, string>
    : string
  : string;

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 1_000;
const DEFAULT_LOG_TAIL = 20;

function loadOptions(options: StackOptions, env: Record<string, string | undefined>): LoadProjectOptions {
  if (options.files !== undefined && options.spec !== undefined) {
    throw new UserError('expected files or spec, found both', { hint: 'pass the compose document either as files or as an object' });
  }
  // Relative to the project directory when one is given (as its doc says), else to the working directory.
  const base = options.projectDirectory ?? process.cwd();
  const named = typeof options.files === 'string' ? [options.files] : options.files ? [...options.files] : undefined;
  const files = named?.map((file) => path.resolve(base, file));
  const spec = options.spec;
  return {
    cwd: process.cwd(),
    env,
    ...(files ? { files } : {}),
    // An in-memory document takes the loader's standard-input path: JSON is YAML, so an object goes as JSON.
    ...(spec !== undefined
      ? { files: ['-'], readStdin: () => Buffer.from(typeof spec === 'string' ? spec : JSON.stringify(spec)) }
      : {}),
    ...(options.projectName !== undefined ? { projectName: options.projectName } : {}),
    ...(options.projectDirectory !== undefined ? { projectDirectory: options.projectDirectory } : {}),
    ...(options.profiles ? { profiles: [...options.profiles] } : {}),
  };
}

/**
 * The loader reads a spec as standard input: its errors say `(stdin)`. For YAML text the line and column
 * still help (shown as `(spec)`); for an object they point into JSON nobody wrote, so the key path alone stays.
 */
function placeInSpec(error: UserError, spec: ComposeSpec): UserError {
  const place = (one: UserError): UserError => {
    const position = one.position?.file === STDIN_DISPLAY_NAME ? (typeof spec === 'string' ? { ...one.position, file: '(spec)' } : undefined) : one.position;
    const hint = one.hint ?? 'the spec object is a compose document: the same keys and values as compose.yaml (docs/api.md)';
    return one.with({ position, hint, related: one.related.map(place) });
  };
  return place(error);
}

const STDIN_DISPLAY_NAME = '(stdin)';

/** The failures berthd reported for `up`, in the shape of a readiness failure. */
function outcomeFailures(outcome: RequestOutcome): { service: string; reason: string }[] {
  return [
    ...outcome.failures,
    ...outcome.errors.map((error) => ({ service: '(stack)', reason: error })),
  ];
}

/**
 * Bring a compose project up and resolve once it is ready: every healthcheck healthy (unless
 * `waitForHealthchecks: false`) and every `wait` condition met. Throws a ServiceNotReadyError naming each
 * service that failed or was not ready in time, with its last log lines; the stack is then taken down
 * (unless `keepOnFailure`). Runs in berthd, which takes the stack down should this process die first.
 */
export async function up<Options extends StackOptions>(options: Options = {} as Options): Promise<Stack<ServiceNames<Options>>> {
  const env = { ...process.env, ...options.env };
  const loaded = await loadProject(loadOptions(options, env)).catch((error: unknown) => {
    throw options.spec !== undefined && error instanceof UserError ? placeInSpec(error, options.spec) : error;
  });
  const { project } = loaded;
  const conditions = toWaitConditions(options.wait, Object.keys(project.services));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new UserError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`, { hint: 'e.g. timeoutMs: 60_000' });
  if (!(stopTimeoutMs >= 0) || !Number.isFinite(stopTimeoutMs)) throw new UserError(`stopTimeoutMs must be zero or more milliseconds, got ${stopTimeoutMs}`, { hint: 'e.g. stopTimeoutMs: 1_000' });
  const paths = statePathsFromEnv(env);
  const ensured = await ensureDaemon(paths, { env, ...(options.daemonCommand ? { command: options.daemonCommand } : {}) });
  let lease: OwnerLease | undefined;
  const down = async (downOptions: DownOptions): Promise<void> => {
    await takeDown(paths, env, options, project, { volumes: downOptions.volumes ?? true, stopTimeoutMs: downOptions.stopTimeoutMs ?? stopTimeoutMs });
    await lease?.release();
  };
  try {
    // Before anything is made: a berthd that cannot hold the lease (an older version) must not be asked to tear down.
    if (options.lease !== false) lease = await holdOwnerLease(daemonPaths(paths).socket, project, { volumes: true, stopTimeoutMs });
  } catch (error) {
    await ensured.client.close();
    throw error;
  }
  try {
    const outcome = await ensured.client.call<RequestOutcome>('up', {
      project,
      options: { wait: options.waitForHealthchecks !== false, waitTimeoutMs: timeoutMs },
    });
    const logTail = async (service: string): Promise<string[]> => {
      const all = await readStackContainers(paths, project);
      const containers = service === '(stack)' ? all : all.filter(({ container }) => container.service === service);
      return containerLogLines(containers, { tail: options.logTail ?? DEFAULT_LOG_TAIL });
    };
    let failures: ServiceFailure[];
    if (!outcome.ok) {
      failures = await Promise.all(outcomeFailures(outcome).map(async (failure) => ({ ...failure, logTail: await logTail(failure.service).catch(() => []) })));
    } else {
      failures = await waitForServices(
        conditions,
        {
          timeoutMs,
          containers: (service) => async () => (await readStackContainers(paths, project)).filter(({ container }) => container.service === service),
          ...(options.clock ? { clock: options.clock } : {}),
        },
        logTail,
      );
    }
    if (failures.length > 0) throw new ServiceNotReadyError(project.name, failures);
    return new StartedStack<ServiceNames<Options>>({
      project,
      paths,
      warnings: loaded.warnings.map((warning) => (warning.keyPath ? `${warning.keyPath}: ${warning.message}` : warning.message)),
      containers: await readStackContainers(paths, project),
      down,
    });
  } catch (error) {
    if (options.keepOnFailure !== true) {
      // The error says what went wrong; a failing teardown is reported beside it, not instead of it.
      await down({}).catch((downError: unknown) => {
        throw new AggregateError([error, downError], `${error instanceof Error ? error.message : String(error)}\n(and taking the stack down failed too)`);
      });
    }
    throw error;
  } finally {
    await ensured.client.close();
  }
}

/** `down` through berthd (a fresh connection: the one of `up` may be long gone); throws when a step failed. */
async function takeDown(
  paths: StatePaths,
  env: Record<string, string | undefined>,
  options: StackOptions,
  project: Project,
  downOptions: { volumes: boolean; stopTimeoutMs: number },
): Promise<void> {
  const { client } = await ensureDaemon(paths, { env, ...(options.daemonCommand ? { command: options.daemonCommand } : {}) });
  try {
    const outcome = await client.call<RequestOutcome>('down', { project, options: downOptions });
    if (!outcome.ok) {
      const lines = [...outcome.failures.map(({ service, reason }) => `service ${service}: ${reason}`), ...outcome.errors];
      throw new SystemError(`down of ${project.name} failed: ${lines.join('; ')}`, 'down');
    }
  } finally {
    await client.close();
  }
}
