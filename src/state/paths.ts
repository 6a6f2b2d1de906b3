// Where berth keeps its state: persistent data under BERTH_ROOT, volatile data under BERTH_RUN.
import path from 'node:path';

/** The two roots of berth's state. Tests give each run its own pair. */
export interface StatePaths {
  /** Persistent: images, volumes, container records (default `/var/lib/berth`). */
  readonly root: string;
  /** Volatile, gone after a reboot: netns files, runtime state, sockets, exit files, locks (default `/run/berth`). */
  readonly run: string;
}

export const DEFAULT_ROOT = '/var/lib/berth';
export const DEFAULT_RUN = '/run/berth';

/** The roots named by `BERTH_ROOT` / `BERTH_RUN`, or the defaults. Relative values are made absolute. */
export function statePathsFromEnv(env: NodeJS.ProcessEnv = process.env): StatePaths {
  return {
    root: path.resolve(env['BERTH_ROOT'] || DEFAULT_ROOT),
    run: path.resolve(env['BERTH_RUN'] || DEFAULT_RUN),
  };
}
