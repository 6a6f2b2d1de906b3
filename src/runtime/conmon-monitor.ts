// Start conmon, the per-container monitor that runs `runc create`, holds stdio, writes the log and the exit code.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { SystemError } from '../errors.js';
import type { RuncCli } from './runc-cli.js';

export const CONMON_BINARY = '/usr/bin/conmon';

export interface MonitorOptions {
  id: string;
  bundle: string;
  /** Where conmon writes the container's pid. */
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  logPath: string;
  /** conmon truncates the log when it would grow past this (bytes). */
  logSizeMax?: number | undefined;
  socketDir: string;
  /** conmon writes an `oom` file here when the kernel OOM-kills in the container's cgroup. */
  persistDir: string;
  terminal: boolean;
  stdin: boolean;
  runc: RuncCli;
  binary?: string | undefined;
}

/** The runtime failed to create the container; `message` is the runtime's reason. */
export class CreateFailure extends Error {
  override readonly name = 'CreateFailure';
}

/** conmon's sync message: `{"data": pid}`, negative on failure with a `message`. */
interface SyncMessage {
  data: number;
  message?: string;
}

function readSyncMessage(stream: Readable): Promise<SyncMessage> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (): void => {
      stream.removeAllListeners();
      stream.destroy();
      const line = text.split('\n').find((candidate) => candidate.trim() !== '');
      if (!line) {
        reject(new SystemError('conmon exited without reporting the container', 'conmon'));
        return;
      }
      try {
        resolve(JSON.parse(line) as SyncMessage);
      } catch {
        reject(new SystemError(`conmon sent an unreadable sync message: ${line}`, 'conmon'));
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) finish();
    });
    stream.once('end', finish);
    stream.once('error', (error) => reject(new SystemError(error.message, 'conmon sync pipe')));
  });
}

/**
 * Run conmon; it daemonises, runs `runc create` and reports the container's pid on the sync pipe
 * (fd 3). conmon keeps running after this process dies. Throws CreateFailure with the runtime's
 * message when runc create failed.
 */
export async function startMonitor(options: MonitorOptions): Promise<{ pid: number }> {
  const args = [
    '--api-version', '1',
    '-c', options.id,
    '-u', options.id,
    '-n', options.id,
    '-r', options.runc.binary,
    '-b', options.bundle,
    '-p', options.pidFile,
    '-P', options.conmonPidFile,
    '--exit-dir', options.exitDir,
    '-l', `k8s-file:${options.logPath}`,
    '--socket-dir-path', options.socketDir,
    '--persist-dir', options.persistDir,
    '--no-sync-log',
    ...options.runc.globalArgs.map((arg) => `--runtime-arg=${arg}`),
  ];
  if (options.logSizeMax !== undefined) args.push('--log-size-max', String(options.logSizeMax));
  if (options.terminal) args.push('-t');
  if (options.stdin) args.push('-i');
  // stdio: /dev/null for 0-2 (never Node's pipes), a socket pair as fd 3 for the sync message.
  const child = spawn(options.binary ?? CONMON_BINARY, args, {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { _OCI_SYNCPIPE: '3', PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    detached: true,
    // conmon writes some files (an `oom` marker) relative to its working directory: keep them in the bundle.
    cwd: options.bundle,
  });
  child.unref();
  const sync = child.stdio[3] as Readable | null | undefined;
  if (!sync) throw new SystemError('no sync pipe', 'conmon');
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new SystemError(error.message, 'conmon', (error as NodeJS.ErrnoException).code)));
  });
  const message = await Promise.race([readSyncMessage(sync), spawnError]);
  if (message.data < 0) throw new CreateFailure(message.message ?? `runtime failed with ${message.data}`);
  return { pid: message.data };
}
