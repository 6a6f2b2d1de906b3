// Where berthd's files are: a module of its own so the thin CLI finds the socket without loading the rest.
import path from 'node:path';
import type { StatePaths } from '../state/paths.js';

export interface DaemonPaths {
  /** `<run>/berthd`, mode 0700: only root reaches the socket. */
  readonly dir: string;
  readonly socket: string;
  readonly pidFile: string;
  /** Held while one client starts the daemon, so racing clients start only one. */
  readonly startLock: string;
  /** The daemon's stdout and stderr; under the persistent root so it survives a reboot for diagnosis. */
  readonly logFile: string;
}

export function daemonPaths(paths: StatePaths): DaemonPaths {
  const dir = path.join(paths.run, 'berthd');
  return {
    dir,
    socket: path.join(dir, 'berthd.sock'),
    pidFile: path.join(dir, 'berthd.pid'),
    startLock: path.join(dir, 'start.lock'),
    logFile: path.join(paths.root, 'berthd.log'),
  };
}
