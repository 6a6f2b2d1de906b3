// A stack that is up: handles by service name (address, published ports, exec, logs) and its teardown.
import { execInContainer } from '../runtime/container-exec.js';
import { ContainerRuntime } from '../runtime/container-runtime.js';
import { UserError } from '../errors.js';
import type { Project } from '../spec/model.js';
import type { StatePaths } from '../state/paths.js';
import { type LogOptions, containerLogLines } from './stack-logs.js';
import { type StackContainer, type StackContainerFiles, readStackContainers } from './stack-containers.js';

/** What `exec` returns: the command's exit code (not thrown) and its output. */
export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Added to (and overriding) the container's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** `user[:group]`, default the service's user. */
  readonly user?: string;
  readonly workdir?: string;
  /** Which replica (default 1). */
  readonly index?: number;
}

export interface DownOptions {
  /** Remove the project's named volumes too (default true: a test's data should not outlive it). */
  readonly volumes?: boolean;
  /** Grace period before SIGKILL (default: `up`'s `stopTimeoutMs`). */
  readonly stopTimeoutMs?: number;
}

/** One service of a started stack. Addresses and ports are those read when the stack became ready (see `refresh`). */
export interface ServiceHandle {
  readonly name: string;
  /** The address of its first container on the project's first network it joins. */
  readonly ip: string;
  /** Its containers, replica 1 first. */
  readonly containers: readonly StackContainer[];
  /** The host port that `target` (a port inside the container) is published on. */
  hostPort(target: number, protocol?: 'tcp' | 'udp'): number;
  /** Run a command in a running container of the service; its exit code is returned, not thrown. */
  exec(args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** What its containers printed, merged in time order, one line per entry. */
  logs(options?: LogOptions): Promise<string>;
}

/**
 * A started stack. Typed after what it is: only a started stack has addresses and ports. `Service` is the
 * union of the service names when they are known from an object spec (`string` for files).
 */
export interface Stack<Service extends string = string> {
  readonly projectName: string;
  /** The loaded project model (canonical compose). */
  readonly project: Project;
  /** The service names, sorted (services of profiles that are not enabled are left out). */
  readonly services: readonly Service[];
  /** Things in the compose files that berth warns about (ignored keys, obsolete `version`). */
  readonly warnings: readonly string[];
  /** The service's handle; a UserError for a name the project does not have. */
  service(name: Service): ServiceHandle;
  /** Everything the stack printed, `container | line`, in time order. */
  logs(options?: LogOptions): Promise<string>;
  /** Read container states, addresses and ports again (after a restart, a scale). */
  refresh(): Promise<void>;
  /** Stop and remove the stack (and release its owner lease). Safe to call more than once. */
  down(options?: DownOptions): Promise<void>;
}

export interface StartedStackParts {
  readonly project: Project;
  readonly paths: StatePaths;
  readonly warnings: readonly string[];
  readonly containers: readonly StackContainerFiles[];
  /** Takes the stack down through berthd and releases the lease. */
  readonly down: (options: DownOptions) => Promise<void>;
}

class StartedService implements ServiceHandle {
  constructor(
    readonly name: string,
    private readonly stack: StartedStack,
  ) {}

  get containers(): readonly StackContainer[] {
    return this.stack.containersOf(this.name).map(({ container }) => container);
  }

  get ip(): string {
    const first = this.containers[0];
    if (!first) throw new UserError(`service ${this.name} has no containers`, { hint: 'is it scaled to 0, or in a profile that is not enabled?' });
    if (first.ip === undefined) throw new UserError(`service ${this.name} has no address`, { hint: 'it joins no network of the project (network_mode?)' });
    return first.ip;
  }

  hostPort(target: number, protocol: 'tcp' | 'udp' = 'tcp'): number {
    for (const container of this.containers) {
      const port = container.ports.find((published) => published.target === target && published.protocol === protocol);
      if (port) return port.hostPort;
    }
    const published = [...new Set(this.containers.flatMap((container) => container.ports.map((port) => `${port.target}/${port.protocol}`)))];
    throw new UserError(`service ${this.name} does not publish port ${target}/${protocol}`, {
      hint: published.length > 0 ? `it publishes ${published.join(', ')}` : `add ports: ["${target}"] to the service (a free host port is picked)`,
    });
  }

  async exec(args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const index = options.index ?? 1;
    const container = this.containers.find((candidate) => candidate.number === index);
    if (!container) throw new UserError(`service ${this.name} has no container number ${index}`);
    const runtime = new ContainerRuntime(this.stack.paths);
    try {
      return await execInContainer(runtime, container.id, {
        args: [...args],
        env: options.env ? Object.entries(options.env).map(([key, value]) => `${key}=${value}`) : undefined,
        user: options.user,
        workdir: options.workdir,
      });
    } finally {
      runtime.close();
    }
  }

  async logs(options: LogOptions = {}): Promise<string> {
    const containers = this.stack.containersOf(this.name);
    return (await containerLogLines(containers, options)).join('\n');
  }
}

export class StartedStack<Service extends string = string> implements Stack<Service> {
  readonly project: Project;
  readonly paths: StatePaths;
  readonly warnings: readonly string[];
  private containers: readonly StackContainerFiles[];
  private readonly handles = new Map<string, StartedService>();
  private downing: Promise<void> | undefined;

  constructor(private readonly parts: StartedStackParts) {
    this.project = parts.project;
    this.paths = parts.paths;
    this.warnings = parts.warnings;
    this.containers = parts.containers;
  }

  get projectName(): string {
    return this.project.name;
  }

  get services(): readonly Service[] {
    return Object.keys(this.project.services).sort() as Service[];
  }

  service(name: Service): ServiceHandle {
    if (!Object.hasOwn(this.project.services, name)) {
      throw new UserError(`no such service: ${name}`, { hint: `the services are: ${this.services.join(', ') || '(none)'}` });
    }
    let handle = this.handles.get(name);
    if (!handle) this.handles.set(name, (handle = new StartedService(name, this)));
    return handle;
  }

  containersOf(service: string): readonly StackContainerFiles[] {
    return this.containers.filter(({ container }) => container.service === service);
  }

  async logs(options: LogOptions = {}): Promise<string> {
    return (await containerLogLines(this.containers, { prefix: true, ...options })).join('\n');
  }

  async refresh(): Promise<void> {
    this.containers = await readStackContainers(this.paths, this.project);
  }

  down(options: DownOptions = {}): Promise<void> {
    return (this.downing ??= this.parts.down(options).catch((error: unknown) => {
      this.downing = undefined; // a failed down may be tried again
      throw error;
    }));
  }
}
