// berth as a benchmark subject: private state roots, the busybox test image, `node bin/berth.js` child processes, berthd by pid.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonPaths, isDaemonProcess, pingDaemon } from '../src/daemon/daemon-process.js';
import type { StatePaths } from '../src/state/paths.js';
import { unmountEverythingUnder } from '../test/helpers/temp-state.js';
import { buildBusyboxDockerArchive } from '../test/helpers/test-image.js';
import { removeEmptyCgroupParent } from '../test/helpers/cgroup-parent.js';
import { type TimedRun, definedEnv, isAlive, timeProcess, waitForPidExit } from './process-timing.js';
import type { StackSpec } from './stack-projects.js';
import type { StackTool, UpMode } from './stack-tool.js';

export const BERTH_BIN = fileURLToPath(new URL('../bin/berth.js', import.meta.url));

export interface BerthToolOptions {
  /**
   * Node flags for berthd (e.g. --cpu-prof, which NODE_OPTIONS refuses): then the tool runs
   * `node <flags> bin/berth.js daemon run` itself, detached as `berth` would, instead of `berth daemon start`.
   */
  daemonNodeArgs?: readonly string[];
  /** Node flags for the CLI processes (e.g. --cpu-prof). */
  cliNodeArgs?: readonly string[];
  /** Prefix of the temp directory. */
  label?: string;
}

export class BerthTool implements StackTool {
  readonly name = 'berth';
  /** The berthd this tool started and has not stopped yet. */
  private daemonPid: number | undefined;
  /** Projects that may have containers: each is brought down in close(). */
  private readonly maybeUp = new Map<string, string>();
  private cliNodeArgs: readonly string[];

  private constructor(
    readonly base: string,
    readonly paths: StatePaths,
    readonly env: Record<string, string | undefined>,
    private readonly options: BerthToolOptions,
  ) {
    this.cliNodeArgs = options.cliNodeArgs ?? [];
  }

  /** Fresh state roots with the busybox test image loaded; berthd is not started yet. */
  static async open(options: BerthToolOptions = {}): Promise<BerthTool> {
    const base = await mkdtemp(path.join(tmpdir(), `${options.label ?? 'bench-berth'}-`));
    const paths = { root: path.join(base, 'root'), run: path.join(base, 'run') };
    // No DNS forwarding off the host; no colour in what we keep of the output.
    const env: Record<string, string | undefined> = { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '', NO_COLOR: '1' };
    // The bench measures berth as users run it: through berthd.
    delete env['BERTH_NO_DAEMON'];
    const tool = new BerthTool(base, paths, env, options);
    try {
      const archive = path.join(base, 'busybox.tar');
      buildBusyboxDockerArchive(archive);
      await tool.berth(['image', 'load', '-q', '-i', archive]);
    } catch (error) {
      await tool.close();
      throw error;
    }
    return tool;
  }

  /** `node bin/berth.js …args`, timed; throws unless it exits 0. */
  berth(args: readonly string[], cwd = this.base): Promise<TimedRun> {
    return timeProcess([process.execPath, ...this.cliNodeArgs, BERTH_BIN, ...args], { cwd, env: this.env });
  }

  /** Node flags of the CLI processes from now on (profiling one step). */
  setCliNodeArgs(args: readonly string[]): void {
    this.cliNodeArgs = args;
  }

  /** Start berthd (detached, as `berth up` would) and remember its pid. */
  async startDaemon(): Promise<number> {
    if (this.options.daemonNodeArgs) return this.spawnDaemon(this.options.daemonNodeArgs);
    const run = await timeProcess([process.execPath, BERTH_BIN, 'daemon', 'start'], { cwd: this.base, env: this.env });
    const pid = Number(run.stdout.trim());
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`berth daemon start printed no pid: ${run.stdout}`);
    this.daemonPid = pid;
    return pid;
  }

  private async spawnDaemon(nodeArgs: readonly string[]): Promise<number> {
    const log = openSync(path.join(this.base, 'berthd.log'), 'a');
    let pid: number | undefined;
    try {
      const child = spawn(process.execPath, [...nodeArgs, BERTH_BIN, 'daemon', 'run'], { detached: true, stdio: ['ignore', log, log], env: definedEnv(this.env), cwd: '/' });
      child.unref();
      pid = child.pid;
    } finally {
      closeSync(log);
    }
    if (pid === undefined) throw new Error('berthd did not start');
    this.daemonPid = pid;
    const deadline = performance.now() + 30_000;
    while ((await pingDaemon(this.paths).catch(() => undefined))?.pid !== pid) {
      if (performance.now() > deadline || !isAlive(pid)) throw new Error(`berthd (pid ${pid}) did not answer; see ${path.join(this.base, 'berthd.log')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return pid;
  }

  /** The running berthd's pid (from its pid file), remembered so stopDaemon ends it. */
  async currentDaemonPid(): Promise<number | undefined> {
    const text = await readFile(daemonPaths(this.paths).pidFile, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (!(pid > 0) || !isDaemonProcess(pid, this.paths)) return undefined;
    this.daemonPid = pid;
    return pid;
  }

  /** Stop berthd: `daemon stop` (shutdown, then its pid), then make sure the pid we know is gone. */
  async stopDaemon(): Promise<void> {
    const pid = this.daemonPid ?? (await this.currentDaemonPid());
    await timeProcess([process.execPath, BERTH_BIN, 'daemon', 'stop'], { cwd: this.base, env: this.env }).catch(() => undefined);
    if (pid !== undefined && !(await waitForPidExit(pid, 10_000)) && isDaemonProcess(pid, this.paths)) {
      process.kill(pid, 'SIGKILL');
      await waitForPidExit(pid, 5_000);
    }
    if (pid !== undefined && isAlive(pid) && isDaemonProcess(pid, this.paths)) throw new Error(`berthd ${pid} did not stop`);
    this.daemonPid = undefined;
  }

  /** The stack's project directory with its compose file. */
  stackDir(stack: StackSpec): string {
    const dir = path.join(this.base, 'stacks', stack.project);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'compose.yaml'), stack.compose.berth);
    return dir;
  }

  private project(stack: StackSpec): string[] {
    return ['-p', stack.project];
  }

  async up(stack: StackSpec, mode: UpMode): Promise<number> {
    const dir = this.stackDir(stack);
    this.maybeUp.set(stack.project, dir);
    const wait = mode === 'cold' && stack.waitHealthy ? ['--wait', '--wait-timeout', '120'] : [];
    return (await this.berth([...this.project(stack), 'up', '-d', ...wait], dir)).ms;
  }

  async down(stack: StackSpec): Promise<number> {
    const dir = this.stackDir(stack);
    const { ms } = await this.berth([...this.project(stack), 'down', '-t', '0'], dir);
    this.maybeUp.delete(stack.project);
    return ms;
  }

  /** Lines a service printed (`berth logs --no-log-prefix`). */
  async logs(stack: StackSpec, service: string): Promise<string> {
    return (await this.berth([...this.project(stack), 'logs', '--no-log-prefix', service], this.stackDir(stack))).stdout;
  }

  /** `berth image save` of the busybox image: what docker loads, so both run the same bytes. */
  async saveImage(file: string): Promise<void> {
    await this.berth(['image', 'save', '-o', file, 'busybox']);
  }

  /** Down every stack that may be up, stop berthd, remove the state roots; every step runs, failures are thrown together. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const [project, dir] of this.maybeUp) {
      await this.berth(['-p', project, 'down', '-v', '-t', '0'], dir).catch((error: unknown) => errors.push(error));
    }
    this.maybeUp.clear();
    await this.stopDaemon().catch((error: unknown) => errors.push(error));
    await removeEmptyCgroupParent('berth').catch(() => undefined);
    try {
      await unmountEverythingUnder(this.base);
      await rm(this.base, { recursive: true, force: true });
    } catch (error) {
      errors.push(error);
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'closing the berth bench left errors');
  }
}
