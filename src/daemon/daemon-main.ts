// berthd's life: serve the built-in methods and the hosted ones, keep the pid file, shut down on a signal or request.
import { readFileSync, rmSync } from 'node:fs';
import { SystemError } from '../errors.js';
import type { StatePaths } from '../state/paths.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { readPidFile, daemonPaths, type DaemonPing } from './daemon-process.js';
import { type DaemonHandler, type DaemonServer, startDaemonServer } from './daemon-server.js';

export interface RunDaemonOptions {
  /** The hosted methods (the Engine's), served beside the built-in `ping` and `shutdown`. */
  handlers?: Readonly<Record<string, DaemonHandler>>;
  /** Runs after the socket is closed and every call has ended, before the pid file goes (e.g. close the Engine). */
  onClose?(): Promise<void>;
  /** Where log lines go (default: stderr, which a started daemon has on its log file). */
  log?(line: string): void;
  /** Stop on SIGTERM and SIGINT (default true; false for a daemon run inside another program, e.g. a test). */
  handleSignals?: boolean;
}

export interface RunningDaemon {
  readonly pid: number;
  readonly socketPath: string;
  /** Stop serving: in-flight calls are aborted, the socket and pid file removed. */
  close(): Promise<void>;
  /** Resolves once the daemon has closed, whatever closed it (a signal, `shutdown`, close()). */
  readonly closed: Promise<void>;
}

const BUILT_IN_METHODS = ['ping', 'shutdown'];

export const daemonVersion: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Serve berthd on the socket of `paths` until a signal, a `shutdown` call or close(). */
export async function runDaemon(paths: StatePaths, options: RunDaemonOptions = {}): Promise<RunningDaemon> {
  const files = daemonPaths(paths);
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} berthd[${process.pid}]: ${line}\n`));
  const hosted = options.handlers ?? {};
  for (const method of BUILT_IN_METHODS) {
    if (Object.hasOwn(hosted, method)) throw new SystemError(`the hosted handlers redefine the built-in method ${method}`, 'start berthd');
  }
  const startedAt = performance.now();
  const builtIns: Record<string, DaemonHandler> = {
    ping: () => Promise.resolve({ pid: process.pid, version: daemonVersion, uptimeMs: Math.round(performance.now() - startedAt) } satisfies DaemonPing),
    shutdown: () => {
      // After this call's reply is written: closing waits for calls in flight, this one included.
      setImmediate(() => void shutDown());
      return Promise.resolve({ pid: process.pid });
    },
  };
  const server: DaemonServer = await startDaemonServer({
    socketPath: files.socket,
    handlers: { ...hosted, ...builtIns },
    // Before the first ping is answered, so whoever sees the daemon answer also finds its pid file.
    onListening: () => writeFileAtomic(files.pidFile, `${process.pid}\n`, { mode: 0o600, durable: false }),
    onError: (error, method) => {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(method ? `${method} failed: ${detail}` : `a client broke the protocol: ${detail}`);
    },
  });
  log(`listening on ${files.socket} (version ${daemonVersion})`);

  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: shutting down`);
    void shutDown();
  };
  // Every step runs even when one fails; the failures are logged and close() throws them together.
  let closing: Promise<unknown[]> | undefined;
  const shutDown = (): Promise<unknown[]> =>
    (closing ??= (async () => {
      if (options.handleSignals !== false) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      const errors: unknown[] = [];
      await server.close().catch((error: unknown) => errors.push(error));
      await options.onClose?.().catch((error: unknown) => errors.push(error));
      try {
        // A successor may already have written its own pid.
        if (readPidFile(files.pidFile) === process.pid) rmSync(files.pidFile, { force: true });
      } catch (error) {
        errors.push(error);
      }
      for (const error of errors) log(`while closing: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      log('stopped');
      resolveClosed();
      return errors;
    })());
  const close = async (): Promise<void> => {
    const errors = await shutDown();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'berthd did not close cleanly');
  };
  if (options.handleSignals !== false) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return {
    pid: process.pid,
    socketPath: files.socket,
    close,
    closed,
  };
}
