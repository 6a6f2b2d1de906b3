// berthd as a process: where its files are, starting it detached when absent, stopping it, telling it apart.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SystemError } from '../errors.js';
import { withFileLock } from '../state/lock-file.js';
import { type StatePaths, statePathsFromEnv } from '../state/paths.js';
import { isProcessRunning } from '../state/process-alive.js';
import { type DaemonClient, connectDaemon } from './daemon-client.js';
import { type DaemonPaths, daemonPaths } from './daemon-paths.js';
import { ensurePrivateDirectory } from './private-directory.js';

export { type DaemonPaths, daemonPaths } from './daemon-paths.js';

/** What the built-in `ping` method answers. */
export interface DaemonPing {
  pid: number;
  version: string;
  uptimeMs: number;
}

export interface EnsureDaemonOptions {
  /** Environment of the daemon (default: this process's); BERTH_ROOT and BERTH_RUN are set from the paths. */
  env?: Record<string, string | undefined>;
  /** The command line that runs the daemon in the foreground (default: `node bin/berth.js daemon run`). */
  command?: readonly string[];
  /** How long a new daemon may take to answer (default 30 s). */
  startTimeoutMs?: number;
}

export interface EnsuredDaemon {
  client: DaemonClient;
  ping: DaemonPing;
  /** True when this call started the daemon, false when one already answered. */
  started: boolean;
}

const PING_TIMEOUT_MS = 2_000;
const LOG_ROTATE_BYTES = 8 * 1024 * 1024;

/** `node <berth>/bin/berth.js daemon run`: the installed CLI, which runs the compiled code in dist/. */
export function defaultDaemonCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/berth.js', import.meta.url)), 'daemon', 'run'];
}

/** Connect to the running daemon, or start one (detached, in its own session) and connect once it answers. */
export async function ensureDaemon(paths: StatePaths, options: EnsureDaemonOptions = {}): Promise<EnsuredDaemon> {
  const files = daemonPaths(paths);
  const running = await connectIfRunning(files.socket);
  if (running) return { ...running, started: false };
  ensurePrivateDirectory(files.dir);
  // Generous: a loaded 2-core machine may take seconds to start node and the engine's threads.
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  return withFileLock(
    files.startLock,
    async () => {
      // Another client may have started it while this one waited for the lock.
      const raced = await connectIfRunning(files.socket);
      if (raced) return { ...raced, started: false };
      const { child, logOffset } = spawnDaemon(paths, files, options);
      return { ...(await waitUntilAnswering(files, child, logOffset, timeoutMs)), started: true };
    },
    timeoutMs + 5_000,
  );
}

/** Ask the daemon at `paths` who it is; undefined when none answers. */
export async function pingDaemon(paths: StatePaths): Promise<DaemonPing | undefined> {
  const running = await connectIfRunning(daemonPaths(paths).socket);
  if (!running) return undefined;
  await running.client.close();
  return running.ping;
}

export interface StoppedDaemon {
  /** The daemon's pid, when there was one. */
  pid: number | undefined;
  /** False when no daemon was running (stale files are removed all the same). */
  wasRunning: boolean;
}

/**
 * Stop the daemon: ask it to shut down, else SIGTERM, else SIGKILL, each only to a pid that is
 * provably this state's daemon. Resolves once the process is gone and its socket and pid file with it.
 */
export async function stopDaemon(paths: StatePaths, options: { timeoutMs?: number } = {}): Promise<StoppedDaemon> {
  const files = daemonPaths(paths);
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    statSync(files.dir);
  } catch {
    return { pid: undefined, wasRunning: false };
  }
  // Under the start lock, so a client starting a daemon now does not see its files removed.
  return withFileLock(files.startLock, async () => {
    let pid = readPidFile(files.pidFile);
    let wasRunning = false;
    const running = await connectIfRunning(files.socket).catch(() => undefined);
    if (running) {
      pid = running.ping.pid;
      wasRunning = true;
      await running.client.call('shutdown').catch(() => undefined);
      await running.client.close();
    }
    if (pid !== undefined) {
      let gone = await waitForExit(pid, running ? timeoutMs / 2 : 0);
      if (!gone && isDaemonProcess(pid, paths)) {
        wasRunning = true;
        gone = (await signalAndWait(pid, 'SIGTERM', timeoutMs / 4)) || (await signalAndWait(pid, 'SIGKILL', timeoutMs / 4));
      }
      // A stale pid file may name a reused pid: that process is none of ours and stays.
      if (!gone && (running || isDaemonProcess(pid, paths))) {
        throw new SystemError(`berthd (pid ${pid}) is still running`, 'stop berthd', 'ETIMEDOUT');
      }
    }
    // What a killed daemon left: nobody answers on the socket any more, and the pid is gone or not ours.
    rmSync(files.socket, { force: true });
    rmSync(files.pidFile, { force: true });
    return { pid, wasRunning };
  });
}

/**
 * True when `pid` runs `… daemon run` for these state paths (its BERTH_RUN resolves to `paths.run`).
 * A pid file can outlive its process and the pid be reused; only a process that passes this is signalled.
 */
export function isDaemonProcess(pid: number, paths: StatePaths): boolean {
  if (!isProcessRunning(pid)) return false;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const runs = args.some((arg, index) => arg === 'daemon' && args[index + 1] === 'run');
    if (!runs) return false;
    const environ = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter((entry) => entry.includes('='))
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
    return statePathsFromEnv(environ).run === path.resolve(paths.run);
  } catch {
    return false;
  }
}

/** The pid in the pid file, or undefined when there is none or it is not a pid. */
export function readPidFile(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A connected client and its ping when a daemon answers; undefined when the socket is missing or stale. */
async function connectIfRunning(socketPath: string): Promise<{ client: DaemonClient; ping: DaemonPing } | undefined> {
  let client: DaemonClient;
  try {
    client = await connectDaemon(socketPath);
  } catch (error) {
    // ECONNRESET: a daemon killed a moment ago whose socket still took the connection.
    if (error instanceof SystemError && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET')) return undefined;
    throw error;
  }
  try {
    const ping = await client.call<DaemonPing>('ping', undefined, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
    return { client, ping };
  } catch (error) {
    await client.close();
    // A daemon killed a moment ago may still accept a connection, then reset it as it dies: nobody runs.
    if (error instanceof SystemError && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return undefined;
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new SystemError(`berthd at ${socketPath} does not answer within ${PING_TIMEOUT_MS} ms`, 'ping berthd', 'ETIMEDOUT');
    }
    throw error;
  }
}

function spawnDaemon(paths: StatePaths, files: DaemonPaths, options: EnsureDaemonOptions): { child: ChildProcess; logOffset: number } {
  const [program, ...args] = options.command ?? defaultDaemonCommand();
  if (!program) throw new SystemError('the daemon command is empty', 'start berthd');
  mkdirSync(paths.root, { recursive: true });
  const logOffset = rotateLog(files.logFile);
  const log = openSync(files.logFile, 'a', 0o600);
  try {
    const env = Object.fromEntries(
      Object.entries({ ...(options.env ?? process.env), BERTH_ROOT: paths.root, BERTH_RUN: paths.run }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    // detached: its own session, so a terminal's Ctrl-C or hangup never reaches it. cwd /: it pins no directory.
    const child = spawn(program, args, { detached: true, stdio: ['ignore', log, log], env, cwd: '/' });
    child.unref();
    return { child, logOffset };
  } finally {
    closeSync(log);
  }
}

/** Start a fresh log when the old one is large; returns where this run's output begins. */
function rotateLog(logFile: string): number {
  try {
    const { size } = statSync(logFile);
    if (size < LOG_ROTATE_BYTES) return size;
    renameSync(logFile, `${logFile}.1`);
  } catch {
    // No log yet.
  }
  return 0;
}

/** Connect with short, growing pauses until the new daemon answers ping, it exits, or time is up. */
async function waitUntilAnswering(
  files: DaemonPaths,
  child: ChildProcess,
  logOffset: number,
  timeoutMs: number,
): Promise<{ client: DaemonClient; ping: DaemonPing }> {
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exit = `could not run: ${error.message}`;
      resolve();
    });
  });
  const deadline = Date.now() + timeoutMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    const running = await connectIfRunning(files.socket);
    if (running) return running;
    if (exit !== undefined) {
      throw new SystemError(`berthd ${exit} before answering${logTail(files.logFile, logOffset)}`, 'start berthd');
    }
    if (Date.now() > deadline) {
      // A daemon that never answered must not linger: the next start would race it for the socket.
      child.kill('SIGKILL');
      throw new SystemError(`berthd did not answer within ${timeoutMs} ms (log: ${files.logFile})`, 'start berthd', 'ETIMEDOUT');
    }
    await Promise.race([sleep(pause), exited]);
  }
}

function logTail(logFile: string, offset: number): string {
  try {
    const lines = readFileSync(logFile).subarray(offset).toString('utf8').trim().split('\n').slice(-5);
    return lines.join('') ? `; its log (${logFile}) ends with:\n${lines.join('\n')}` : ` (log: ${logFile})${fullDisk(logFile)}`;
  } catch {
    return ` (log: ${logFile})${fullDisk(logFile)}`;
  }
}

/** An empty log may be a full disk, which is then the likeliest reason berthd could not start. */
function fullDisk(logFile: string): string {
  try {
    const { bavail, bsize } = statfsSync(path.dirname(logFile));
    return bavail * bsize < 1024 * 1024 ? `; the disk under ${path.dirname(logFile)} is full: free some space, then run the command again` : '';
  } catch {
    return '';
  }
}

/** Whether `pid` is gone within `timeoutMs`. Another session's process gives no exit event: look, with growing pauses. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 2; isProcessRunning(pid); pause = Math.min(pause * 2, 50)) {
    if (Date.now() >= deadline) return false;
    await sleep(pause);
  }
  return true;
}

async function signalAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  return waitForExit(pid, timeoutMs);
}
