// docker-compose as a benchmark subject: our own dockerd (private roots, no iptables, no default bridge), stopped by pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unmountEverythingUnder } from '../test/helpers/temp-state.js';
import { CommandFailed, type TimedRun, findProcesses, isAlive, timeProcess, waitForPidExit } from './process-timing.js';
import type { StackSpec } from './stack-projects.js';
import type { StackTool, UpMode } from './stack-tool.js';

export const DOCKERD = '/usr/sbin/dockerd';
export const DOCKER = '/usr/bin/docker';
export const DOCKER_COMPOSE = '/usr/bin/docker-compose';
/** What dockerd 20.10 creates on the host outside its roots, whatever its flags; deepest first, so directories are empty when their turn comes. */
const DOCKERD_HOST_PATHS = ['/etc/docker/key.json', '/run/docker/plugins', '/run/docker'];

/** Debian's docker.io and docker-compose are installed (`apt-get install docker.io docker-compose`). */
export function dockerInstalled(): boolean {
  return [DOCKERD, DOCKER, DOCKER_COMPOSE].every((file) => existsSync(file));
}

export class DockerTool implements StackTool {
  readonly name = 'docker';
  private readonly maybeUp = new Map<string, string>();
  /** How many downs had to be repeated (see down()). */
  repeatedDowns = 0;

  private constructor(
    readonly base: string,
    private readonly dockerd: ChildProcess,
    readonly env: Record<string, string | undefined>,
    /** Host paths dockerd writes whatever its flags (trust key, plugin socket dir) that did not exist before it. */
    private readonly hostLeftovers: readonly string[],
  ) {}

  get socket(): string {
    return path.join(this.base, 'docker.sock');
  }

  get execRoot(): string {
    return path.join(this.base, 'exec');
  }

  /** dockerd's pid (the process this tool spawned). */
  get dockerdPid(): number {
    return this.dockerd.pid ?? -1;
  }

  /** containerd that dockerd started for itself, when it runs. */
  containerdPid(): number | undefined {
    try {
      const pid = Number(readFileSync(path.join(this.execRoot, 'containerd', 'containerd.pid'), 'utf8').trim());
      return pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** The containerd-shim processes of this dockerd's containers. */
  shimPids(): number[] {
    return findProcesses((args) => (args[0] ?? '').includes('containerd-shim') && args.some((arg) => arg.startsWith(this.execRoot)));
  }

  /**
   * Start a private dockerd and load `imageArchive` into it. Its roots live in a temp directory;
   * `--iptables=false --bridge=none` keep it off the host's firewall and out of 172.17/16.
   */
  static async open(imageArchive: string): Promise<DockerTool> {
    const base = await mkdtemp(path.join(tmpdir(), 'bench-docker-'));
    const hostLeftovers = DOCKERD_HOST_PATHS.filter((file) => !existsSync(file));
    mkdirSync(path.join(base, 'exec'), { recursive: true });
    const log = openSync(path.join(base, 'dockerd.log'), 'a');
    let dockerd: ChildProcess;
    try {
      dockerd = spawn(DOCKERD, [
        '--data-root', path.join(base, 'data'),
        '--exec-root', path.join(base, 'exec'),
        '--pidfile', path.join(base, 'dockerd.pid'),
        '-H', `unix://${path.join(base, 'docker.sock')}`,
        '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--bridge=none',
        '--log-level=warn',
      ], { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const env = { ...process.env, DOCKER_HOST: `unix://${path.join(base, 'docker.sock')}` };
    const tool = new DockerTool(base, dockerd, env, hostLeftovers);
    try {
      await tool.waitUntilAnswering(60_000);
      await timeProcess([DOCKER, 'load', '-i', imageArchive], { env });
    } catch (error) {
      await tool.close().catch(() => undefined);
      throw error;
    }
    return tool;
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.dockerd.exitCode !== null || this.dockerd.signalCode !== null) {
        throw new Error(`dockerd exited before answering; see ${path.join(this.base, 'dockerd.log')}`);
      }
      const answer = await this.api('/_ping').catch(() => undefined);
      if (answer?.status === 200) return;
      if (performance.now() > deadline) throw new Error(`dockerd did not answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** GET on the Docker API over our socket. */
  api(urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, path: urlPath, method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end();
    });
  }

  /** The Linux bridges of this dockerd's bridge networks (`br-` and 12 hex of the id, unless named by an option). */
  private async bridgeNames(): Promise<string[]> {
    const { body } = await this.api('/networks');
    const networks = JSON.parse(body) as { Id: string; Driver: string; Options?: Record<string, string> }[];
    return networks
      .filter((network) => network.Driver === 'bridge')
      .map((network) => network.Options?.['com.docker.network.bridge.name'] ?? `br-${network.Id.slice(0, 12)}`);
  }

  compose(stack: StackSpec, args: readonly string[]): Promise<TimedRun> {
    return timeProcess([DOCKER_COMPOSE, '-p', stack.project, ...args], { cwd: this.stackDir(stack), env: this.env });
  }

  stackDir(stack: StackSpec): string {
    const dir = path.join(this.base, 'stacks', stack.project);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'compose.yaml'), stack.compose.docker);
    return dir;
  }

  /**
   * docker-compose 1.29 has no `--wait`: `up -d` returns once the last link started, so a health-gated
   * stack's time runs on until the API reports the last service healthy (asked every 20 ms).
   */
  async up(stack: StackSpec, mode: UpMode): Promise<number> {
    this.maybeUp.set(stack.project, this.stackDir(stack));
    const started = performance.now();
    const { ms } = await this.compose(stack, ['up', '-d']);
    if (mode === 'noop' || !stack.waitHealthy) return ms;
    const container = `${stack.project}_${stack.lastService}_1`;
    const deadline = started + 120_000;
    for (;;) {
      const { status, body } = await this.api(`/containers/${container}/json`);
      if (status === 200 && (JSON.parse(body) as { State?: { Health?: { Status?: string } } }).State?.Health?.Status === 'healthy') {
        return performance.now() - started;
      }
      if (performance.now() > deadline) throw new Error(`${container} was not healthy within 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * docker-compose 1.29 sometimes fails to remove the network ("has active endpoints") while dockerd
   * still releases the containers' endpoints: it is asked again, and the time until it succeeded counts.
   */
  async down(stack: StackSpec): Promise<number> {
    const started = performance.now();
    await this.composeDown(stack.project, this.stackDir(stack), ['-t', '0']);
    this.maybeUp.delete(stack.project);
    return performance.now() - started;
  }

  private async composeDown(project: string, dir: string, args: readonly string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await timeProcess([DOCKER_COMPOSE, '-p', project, 'down', ...args], { cwd: dir, env: this.env });
        return;
      } catch (error) {
        if (attempt >= 3 || !(error instanceof CommandFailed && /active endpoints/.test(error.stderr + error.stdout))) throw error;
        this.repeatedDowns++;
      }
    }
  }


  async logs(stack: StackSpec, service: string): Promise<string> {
    return (await this.compose(stack, ['logs', '--no-color', '--no-log-prefix', service])).stdout;
  }

  /** Down what may be up, stop dockerd by its pid (TERM, then KILL), then its containerd and shims if they linger; remove the roots. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const [project, dir] of this.maybeUp) {
      await this.composeDown(project, dir, ['-v', '-t', '0']).catch((error: unknown) => errors.push(error));
    }
    this.maybeUp.clear();
    const containerd = this.containerdPid();
    const shims = this.shimPids();
    // Bridges of networks dockerd could not remove (a failed down) would outlive it: noted now, removed after it stops.
    const bridges = await this.bridgeNames().catch(() => []);
    const pid = this.dockerd.pid;
    if (pid !== undefined && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitForPidExit(pid, 30_000))) {
        process.kill(pid, 'SIGKILL');
        await waitForPidExit(pid, 5_000);
      }
    }
    // dockerd stops its containerd; whatever is left of ours (checked by command line) goes by pid.
    for (const leftover of [...(containerd === undefined ? [] : [containerd]), ...shims]) {
      if (!(await waitForPidExit(leftover, 5_000))) {
        try {
          process.kill(leftover, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        await waitForPidExit(leftover, 5_000);
      }
    }
    for (const bridge of bridges) {
      if (existsSync(`/sys/class/net/${bridge}`)) await timeProcess(['ip', 'link', 'del', bridge]).catch((error: unknown) => errors.push(error));
    }
    try {
      await unmountEverythingUnder(this.base);
      await rm(this.base, { recursive: true, force: true });
    } catch (error) {
      errors.push(error);
    }
    for (const file of this.hostLeftovers) {
      // A directory goes only when empty: something else may have put files there meanwhile.
      await rm(file, { force: true }).catch(() => rmdir(file)).catch(() => undefined);
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'closing the docker bench left errors');
  }
}
