// Exit events from the exit directory conmon writes into, through inotify (fs.watch): no polling.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** How a container ended, as conmon recorded it. */
export interface ExitStatus {
  exitCode: number;
}

/** Read `<exitDir>/<id>`: conmon writes the exit code (128+signal for a signal). Undefined while running. */
export async function readExitFile(file: string): Promise<ExitStatus | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (text === '') return undefined;
    const exitCode = Number(text);
    return Number.isInteger(exitCode) ? { exitCode } : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** One watcher per exit directory; `wait(id)` resolves when `<dir>/<id>` appears (or already exists). */
export class ExitWatcher {
  private readonly events = new EventEmitter();
  private watcher: FSWatcher | undefined;
  /** The watcher keeps the process alive only while someone waits. */
  private waiters = 0;

  constructor(readonly dir: string) {
    this.events.setMaxListeners(0);
  }

  /** Start watching; the directory must exist. Emits `exit` with (id, status). */
  open(): void {
    if (this.watcher) return;
    this.watcher = watch(this.dir, (_event, filename) => {
      if (!filename || filename.startsWith('.')) return;
      const id = filename.toString();
      void readExitFile(path.join(this.dir, id)).then(
        (status) => {
          if (status) this.events.emit('exit', id, status);
        },
        () => undefined,
      );
    });
    this.watcher.unref();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  onExit(listener: (id: string, status: ExitStatus) => void): () => void {
    this.events.on('exit', listener);
    return () => this.events.off('exit', listener);
  }

  /** The container's exit status, waiting for it at most `timeoutMs` (undefined on timeout). */
  async wait(id: string, timeoutMs = Infinity): Promise<ExitStatus | undefined> {
    this.open();
    this.waiters += 1;
    this.watcher?.ref();
    const release = (): void => {
      this.waiters -= 1;
      if (this.waiters === 0) this.watcher?.unref();
    };
    return new Promise<ExitStatus | undefined>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (status: ExitStatus | undefined): void => {
        off();
        if (timer) clearTimeout(timer);
        resolve(status);
      };
      const off = this.onExit((exited, status) => {
        if (exited === id) done(status);
      });
      if (timeoutMs !== Infinity) timer = setTimeout(() => done(undefined), timeoutMs);
      // The file may have been written before the listener was added.
      readExitFile(path.join(this.dir, id)).then((status) => {
        if (status) done(status);
      }, (error: unknown) => {
        off();
        if (timer) clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    }).finally(release);
  }
}
