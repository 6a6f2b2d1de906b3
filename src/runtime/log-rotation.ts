// Rotation of container logs for `max-file` > 1: rename log → log.1 … and have conmon reopen its file (SIGUSR1).
//
// conmon 2.1.6 only knows `--log-size-max`, which starts the file again and drops what it held. berth
// keeps that as the hard cap (it still bounds the log when no engine runs) and, while an engine
// runs, rotates a little before the cap so older lines move to numbered files instead of vanishing.
import { watch, type FSWatcher } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';

/** Rotate when the file is within this many bytes of the cap (conmon writes in chunks of up to 8 KiB). */
const ROTATE_MARGIN = 32 * 1024;

export function rotationThreshold(maxSize: number): number {
  return Math.max(Math.floor(maxSize / 2), maxSize - ROTATE_MARGIN);
}

/** Shift `<log>.N-1` → `<log>.N` …, `<log>` → `<log>.1`, dropping what falls past `maxFiles`, then tell conmon. */
export async function rotateLog(logPath: string, maxFiles: number, conmonPid: number | undefined): Promise<void> {
  await rm(`${logPath}.${maxFiles - 1}`, { force: true });
  for (let index = maxFiles - 2; index >= 1; index -= 1) {
    await rename(`${logPath}.${index}`, `${logPath}.${index + 1}`).catch(() => undefined);
  }
  await rename(logPath, `${logPath}.1`);
  if (conmonPid !== undefined) {
    try {
      process.kill(conmonPid, 'SIGUSR1');
    } catch {
      // conmon has gone: the container ended, nothing more will be written.
    }
  }
}

async function conmonPidOf(pidFile: string, id: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!(pid > 0)) return undefined;
  // SIGUSR1 kills most processes: only signal the conmon of this container.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(id) && cmdline.includes('conmon') ? pid : undefined;
}

interface Watched {
  watcher: FSWatcher;
  busy: boolean;
}

/** Watches the log files of running containers that asked for more than one file (inotify, no polling). */
export class LogRotator {
  private readonly watched = new Map<string, Watched>();

  watch(id: string, logPath: string, conmonPidFile: string, maxSize: number, maxFiles: number): void {
    if (this.watched.has(id) || maxFiles <= 1) return;
    const threshold = rotationThreshold(maxSize);
    const check = async (entry: Watched): Promise<void> => {
      if (entry.busy) return;
      entry.busy = true;
      try {
        const size = (await stat(logPath).catch(() => undefined))?.size ?? 0;
        if (size >= threshold) await rotateLog(logPath, maxFiles, await conmonPidOf(conmonPidFile, id));
      } finally {
        entry.busy = false;
      }
    };
    // Watch the directory: the file itself is replaced on every rotation.
    const dir = logPath.slice(0, logPath.lastIndexOf('/'));
    const base = logPath.slice(logPath.lastIndexOf('/') + 1);
    const entry: Watched = {
      busy: false,
      watcher: watch(dir, (_event, filename) => {
        if (filename === base) void check(entry).catch(() => undefined);
      }),
    };
    entry.watcher.unref();
    this.watched.set(id, entry);
  }

  unwatch(id: string): void {
    this.watched.get(id)?.watcher.close();
    this.watched.delete(id);
  }

  close(): void {
    for (const id of [...this.watched.keys()]) this.unwatch(id);
  }
}
