// What berthd hosts besides ping and shutdown: one Engine (opened on first use), its request handlers, leases,
// and the projects an earlier berthd looked after. Loaded only by `berth daemon run`: the CLI never needs the engine.
import type { RunDaemonOptions } from '../daemon/daemon-main.js';
import type { StatePaths } from '../state/paths.js';
import { Engine } from './engine.js';
import { engineHandlers } from './engine-service.js';
import { leaseHandlers, reapOrphanedLeases } from './owner-lease.js';
import { readSessionRecords } from './session-record.js';

export interface HostedServices extends Pick<RunDaemonOptions, 'handlers' | 'onClose'> {
  /** The one Engine, opened on first use (for handlers served beside these, such as the thin CLI's). */
  engine(): Promise<Engine>;
}

/** What berthd hosts besides ping and shutdown: one Engine, whose project loops keep running between calls. */
export function hostedDaemonServices(paths: StatePaths): Promise<HostedServices> {
  // Opened on the first call, so berthd answers at once; each project is adopted when a request names it.
  let engine: Promise<Engine> | undefined;
  const openEngine = (): Promise<Engine> =>
    (engine ??= Engine.open(paths, { env: process.env }).catch((error: unknown) => {
      engine = undefined; // the next call tries again
      throw error;
    }));
  const onClose = async (): Promise<void> => {
    const opened = await engine?.catch(() => undefined);
    await opened?.close();
  };
  void resumeRecordedSessions(paths, openEngine);
  return Promise.resolve({ handlers: { ...engineHandlers(openEngine), ...leaseHandlers(openEngine, { paths }) }, onClose, engine: openEngine });
}

/** Projects an earlier berthd looked after are taken up again at once: their restart policies must not wait for a command. */
async function resumeRecordedSessions(paths: StatePaths, openEngine: () => Promise<Engine>): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} berthd[${process.pid}]: ${line}\n`);
  if ((await readSessionRecords(paths)).length === 0) return;
  try {
    // Stacks whose owners' leases died with the last berthd go down rather than up.
    await reapOrphanedLeases(paths, await openEngine(), log);
    const resumed = await (await openEngine()).resume((project, error) => log(`resuming ${project} failed: ${error instanceof Error ? error.message : String(error)}`));
    if (resumed.length > 0) log(`resumed ${resumed.join(', ')}`);
  } catch (error) {
    log(`resuming sessions failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
