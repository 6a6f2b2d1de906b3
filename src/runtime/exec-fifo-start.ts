// What `runc start` does, without spawning runc: a created container's `runc init` waits to open
// `<runc root>/<id>/exec.fifo` for writing; opening it for reading lets init write "0" and exec the
// process, and removing it tells runc the container is no longer "created". On `up` that is one Go
// process less per container. Whenever it cannot be sure, it leaves the work to runc.
import { constants } from 'node:fs';
import { access, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isProcessRunning } from '../state/process-alive.js';

/** How often the init process is checked while the FIFO is opened (an init that is gone would never open its end). */
const INIT_CHECK_MS = 50;

/** The name runc's init process goes by until it execs the container's process. */
const RUNC_INIT_COMM = 'runc:[2:INIT]';

export type FifoStart = 'started' | 'not-created' | 'init-gone';

/** Whether `pid` is runc's init, still waiting at the FIFO. */
async function initWaiting(pid: number): Promise<boolean> {
  if (!isProcessRunning(pid)) return false;
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === RUNC_INIT_COMM;
}

/**
 * Start the created container `id` (whose `runc init` has pid `initPid`) through its exec FIFO.
 * `not-created`: there is no FIFO (runc must say why); `init-gone`: init died before it could start.
 * An init that already exec'd (an engine killed between the two steps) counts as started.
 */
export async function startThroughExecFifo(runcRoot: string, id: string, initPid: number): Promise<FifoStart> {
  const fifo = path.join(runcRoot, id, 'exec.fifo');
  if (!(await access(fifo).then(() => true, () => false))) return 'not-created';
  let watchdog: NodeJS.Timeout | undefined;
  let written = '';
  if (await initWaiting(initPid)) {
    try {
      // A blocking open in the thread pool, as runc's: it returns once init's end is open too. Should
      // init stop waiting first, opening the other end ourselves releases it (and the read finds nothing).
      watchdog = setInterval(() => {
        void initWaiting(initPid).then(async (waiting) => {
          if (!waiting) await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((handle) => handle.close(), () => undefined);
        });
      }, INIT_CHECK_MS);
      written = await readFile(fifo, 'utf8');
    } finally {
      clearInterval(watchdog);
    }
  }
  // "0" once init has taken its turn (it may have exec'd, and even exited, since).
  const started = written === '0' || isProcessRunning(initPid);
  if (started) await unlink(fifo).catch(() => undefined);
  return started ? 'started' : 'init-gone';
}
