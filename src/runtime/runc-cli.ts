// The OCI runtime binary (runc) as a small typed interface: one process per lifecycle step.
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { SystemError } from '../errors.js';

export const RUNC_BINARY = '/usr/sbin/runc';

/** `runc state` output. */
export interface RuncState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
  created: string;
  annotations?: Record<string, string>;
}

/** The runtime's one-line complaint without runc's `time=... level=error msg=` wrapping. */
export function runcMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  return (quoted?.[1] ?? last).replace(/\\"/g, '"');
}

export class RuncCli {
  constructor(
    /** The runtime's state directory (`<run>/runc`). */
    readonly root: string,
    readonly binary: string = RUNC_BINARY,
  ) {}

  /** Arguments conmon passes on to the runtime. */
  get globalArgs(): string[] {
    return [`--root=${this.root}`];
  }

  private run(args: string[], operation: string): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, [...this.globalArgs, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new SystemError(runcMessage(stderr) || error.message, `runc ${operation}`, 'code' in error ? String(error.code) : undefined));
        else resolve(stdout);
      });
    });
  }

  /** The container's state, or undefined when the runtime does not know it. */
  async state(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse(await this.run(['state', id], 'state')) as RuncState;
    } catch (error) {
      if (error instanceof SystemError && /does not exist|not found/i.test(error.message)) return undefined;
      throw error;
    }
  }

  /** Every container under this root, in one call. */
  async list(): Promise<RuncState[]> {
    const text = await this.run(['list', '--format', 'json'], 'list');
    const parsed = JSON.parse(text) as RuncState[] | null;
    return parsed ?? [];
  }

  /**
   * Start a created container. This is what `runc start` does, without its process: read the
   * container's exec fifo (init blocks writing to it, then execs, which closes it) and remove the
   * fifo (runc reads "created" from its presence). Falls back to `runc start` if the fifo is absent.
   */
  async start(id: string): Promise<void> {
    const fifo = path.join(this.root, id, 'exec.fifo');
    let data: Buffer;
    // If init died before writing, our read would wait for a writer forever (and hold a libuv
    // thread): after a while become that writer ourselves and close, which ends the read empty.
    const guard = setTimeout(() => {
      void open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK).then((handle) => handle.close(), () => undefined);
    }, 5000);
    try {
      data = await readFile(fifo);
    } catch (error) {
      clearTimeout(guard);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new SystemError((error as Error).message, 'runc start');
      await this.run(['start', id], 'start');
      return;
    }
    clearTimeout(guard);
    await rm(fifo, { force: true });
    if (data.length === 0) throw new SystemError('the container process ended before it could be started', 'runc start');
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    await this.run(['kill', ...(all ? ['--all'] : []), id, signal], 'kill');
  }

  /** Remove the runtime's state (and cgroup). `force` also kills a running container (runc sleeps 100 ms then). */
  async delete(id: string, force = false): Promise<void> {
    await this.run(['delete', ...(force ? ['--force'] : []), id], 'delete');
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id], 'pause');
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id], 'resume');
  }

  /**
   * Run a process (a process.json) in the container and wait for it. stdio are file descriptors the
   * caller owns (files, not Node pipes, so a daemonised child cannot hold them open), or 'inherit'.
   */
  exec(
    id: string,
    processFile: string,
    stdio: [number | 'ignore' | 'inherit', number | 'ignore' | 'inherit', number | 'ignore' | 'inherit'],
    tty: boolean,
  ): Promise<{ exitCode: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, [...this.globalArgs, 'exec', ...(tty ? ['--tty'] : []), '--process', processFile, id], { stdio });
      child.once('error', (error) => reject(new SystemError(error.message, 'runc exec')));
      child.once('exit', (code, signal) => resolve({ exitCode: code ?? 128 + signalNumber(signal) }));
    });
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 0;
}
