// A project's container logs: the history merged in time order, then (follow) new lines until the containers stop.
import { type FSWatcher, watch } from 'node:fs';
import { ContainerRuntime } from '../runtime/container-runtime.js';
import { containerFiles, readContainerRecord } from '../runtime/container-record.js';
import { ExitWatcher } from '../runtime/exit-watcher.js';
import type { LogEntry } from '../runtime/k8s-log.js';
import type { StatePaths } from '../state/paths.js';
import { ContainerLogReader } from './container-log-reader.js';
import { readEngineRecord } from './engine-record.js';
import { logTimeNs } from './log-time.js';
import { type ProjectContainer, type ProjectContainerQuery, readProjectContainer } from './project-containers.js';

export interface ProjectLogLine {
  container: ProjectContainer;
  entry: LogEntry;
  /** The entry's time in ns since the epoch (undefined only for an unreadable timestamp). */
  ns: bigint | undefined;
}

/** Which lines: the last `tail` of each container (Docker cuts first), then those between since and until (inclusive). */
export interface LogWindow {
  tail?: number | undefined;
  sinceNs?: bigint | undefined;
  untilNs?: bigint | undefined;
}

export interface ProjectLogSink {
  line(line: ProjectLogLine): void;
  /** A container of the project that appeared while following; its lines follow. */
  added?(container: ProjectContainer): void;
  /** A followed container exited; `restarting` when its restart policy brings it back. */
  exited?(container: ProjectContainer, exitCode: number, restarting: boolean): void;
}

export interface FollowOptions {
  /** Ends following (Ctrl-C, a test, an API caller). */
  signal?: AbortSignal | undefined;
  /**
   * Whether the restart policy starts this exited container again (then following waits for it);
   * `restartCount` is what the engine has done so far. Default: never.
   */
  restarts?: ((container: ProjectContainer, exit: { exitCode: number; restartCount: number }) => boolean) | undefined;
  /** Containers of this query created while following are followed too (none when absent). */
  discover?: ProjectContainerQuery | undefined;
  /** Report containers that had already exited when following began through `sink.exited` too (attached `up`). */
  reportEarlierExits?: boolean | undefined;
}

function inWindow(ns: bigint | undefined, window: LogWindow): boolean {
  if (ns === undefined) return true;
  if (window.sinceNs !== undefined && ns < window.sinceNs) return false;
  return window.untilNs === undefined || ns <= window.untilNs;
}

function timed(container: ProjectContainer, entries: readonly LogEntry[]): ProjectLogLine[] {
  return entries.map((entry) => ({ container, entry, ns: logTimeNs(entry.time) }));
}

/** The window of one container's history: Docker applies the tail first, then since/until. */
export function windowLines(lines: readonly ProjectLogLine[], window: LogWindow): ProjectLogLine[] {
  const tailed = window.tail !== undefined ? lines.slice(Math.max(0, lines.length - window.tail)) : lines;
  return tailed.filter((line) => inWindow(line.ns, window));
}

/** Merge per-container lists into one in time order; a list keeps its own order (an unreadable time sorts with the line before it). */
export function mergeByTime(lists: readonly (readonly ProjectLogLine[])[]): ProjectLogLine[] {
  const keyed = lists.flatMap((list, listIndex) => {
    let last = 0n;
    return list.map((line, index) => {
      last = line.ns ?? last;
      return { line, key: last, listIndex, index };
    });
  });
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.listIndex - b.listIndex || a.index - b.index));
  return keyed.map((item) => item.line);
}

/** The logs as they are now, merged in time order. */
export async function readProjectLogs(containers: readonly ProjectContainer[], window: LogWindow): Promise<ProjectLogLine[]> {
  const lists = await Promise.all(
    containers.map(async (container) => {
      const reader = new ContainerLogReader(container.logPath);
      try {
        const entries = [...(await reader.history()), ...reader.rest()];
        return windowLines(timed(container, entries), window);
      } finally {
        await reader.close();
      }
    }),
  );
  return mergeByTime(lists);
}

interface Followed {
  container: ProjectContainer;
  reader: ContainerLogReader;
  watcher: FSWatcher | undefined;
  done: boolean;
}

/**
 * Print the history (merged in time order), then new lines as they are written, until every
 * followed container has exited for good (as `docker compose logs -f` ends), the signal aborts,
 * or `until` has passed. A container that restarts keeps being followed; one that appears is added.
 */
export async function followProjectLogs(paths: StatePaths, containers: readonly ProjectContainer[], window: LogWindow, options: FollowOptions, sink: ProjectLogSink): Promise<void> {
  const runtime = new ContainerRuntime(paths);
  const followed = new Map<string, Followed>();
  const watchers: FSWatcher[] = [];
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let ending = false;

  const emit = (item: Followed, entries: readonly LogEntry[]): void => {
    for (const line of timed(item.container, entries)) if (inWindow(line.ns, window)) sink.line(line);
  };
  // New lines wait until the merged history is out.
  let historyPrinted: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    historyPrinted = resolve;
  });
  const pump = (item: Followed): Promise<void> =>
    ready.then(() => item.reader.readNew()).then((entries) => emit(item, entries), () => undefined);
  const checkAllDone = (): void => {
    if ([...followed.values()].every((item) => item.done)) finish();
  };
  const watchDirectory = (item: Followed): void => {
    const dir = containerFiles(runtime.dirs, item.container.id).dir;
    try {
      item.watcher = watch(dir, () => void pump(item));
    } catch {
      item.watcher = undefined;
    }
  };

  // Exits first, so none is missed between reading the state and watching.
  const exits = new ExitWatcher(runtime.dirs.exits);
  try {
    exits.open();
  } catch {
    // No exit directory: nothing ever ran under this root.
  }
  const willRestart = async (container: ProjectContainer, exitCode: number): Promise<boolean> => {
    if (!options.restarts) return false;
    const status = await runtime.inspect(container.id).catch(() => undefined);
    if (!status || status.record.stopRequested === true) return false;
    const { restartCount } = await readEngineRecord(containerFiles(runtime.dirs, container.id).dir);
    return options.restarts(container, { exitCode, restartCount });
  };
  const onExit = async (id: string, exitCode: number): Promise<void> => {
    const item = followed.get(id);
    if (!item) return;
    await pump(item);
    const restarting = await willRestart(item.container, exitCode);
    // After an abort, the command has returned: nothing more is printed.
    if (ending) return;
    sink.exited?.(item.container, exitCode, restarting);
    item.done = !restarting;
    checkAllDone();
  };
  const offExit = exits.onExit((id, status) => void onExit(id, status.exitCode));

  const add = (container: ProjectContainer): Followed => {
    const item: Followed = { container, reader: new ContainerLogReader(container.logPath), watcher: undefined, done: false };
    followed.set(container.id, item);
    watchDirectory(item);
    return item;
  };
  for (const container of containers) add(container);

  // The history, merged; the readers go on from where it ended.
  const histories = await Promise.all(
    [...followed.values()].map(async (item) => windowLines(timed(item.container, await item.reader.history().catch(() => [])), window)),
  );
  for (const line of mergeByTime(histories)) sink.line(line);
  historyPrinted();

  // State after watching: a container that has exited for good is done (created ones are about to start).
  await Promise.all(
    [...followed.values()].map(async (item) => {
      const status = await runtime.inspect(item.container.id).catch(() => undefined);
      if (!status || status.state === 'unknown') item.done = true;
      else if (status.state === 'exited') {
        const restarting = await willRestart(item.container, status.exitCode ?? 0);
        item.done = !restarting;
        if (options.reportEarlierExits) sink.exited?.(item.container, status.exitCode ?? -1, restarting);
      }
    }),
  );

  if (options.discover) watchNewContainers(paths, runtime, options.discover, (id) => !followed.has(id), watchers, (container) => {
    if (followed.has(container.id) || ending) return;
    sink.added?.(container);
    const item = add(container);
    void item.reader.history().then((entries) => emit(item, entries), () => undefined);
  });

  const onAbort = (): void => finish();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) finish();
  let untilTimer: NodeJS.Timeout | undefined;
  if (window.untilNs !== undefined) {
    const delayMs = Number((window.untilNs - BigInt(Date.now()) * 1_000_000n) / 1_000_000n);
    untilTimer = setTimeout(finish, Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
  }
  checkAllDone();

  await finished;
  ending = true;
  options.signal?.removeEventListener('abort', onAbort);
  if (untilTimer) clearTimeout(untilTimer);
  offExit();
  exits.close();
  for (const watcher of watchers) watcher.close();
  for (const item of followed.values()) item.watcher?.close();
  // Whatever was written last, then what the readers still hold (the logs will not grow for us any more).
  for (const item of followed.values()) {
    await pump(item);
    emit(item, item.reader.rest());
    await item.reader.close();
  }
}

/** Call `onContainer` for containers of the query whose records appear under the containers directory. */
function watchNewContainers(
  paths: StatePaths,
  runtime: ContainerRuntime,
  query: ProjectContainerQuery,
  unknown: (id: string) => boolean,
  watchers: FSWatcher[],
  onContainer: (container: ProjectContainer) => void,
): void {
  const pending = new Set<string>();
  const consider = async (id: string): Promise<void> => {
    if (!unknown(id) || pending.has(id)) return;
    const files = containerFiles(runtime.dirs, id);
    const record = await readContainerRecord(files).catch(() => undefined);
    if (!record) {
      // The directory comes first, the record (temp file + rename) after: wait for it there.
      pending.add(id);
      try {
        const recordWatcher = watch(files.dir, (_event, name) => {
          if (name !== 'container.json') return;
          recordWatcher.close();
          pending.delete(id);
          void consider(id);
        });
        watchers.push(recordWatcher);
      } catch {
        pending.delete(id);
        return;
      }
      // It may have landed between the read and the watch.
      const again = await readContainerRecord(files).catch(() => undefined);
      if (!again) return;
      pending.delete(id);
    }
    const container = await readProjectContainer(paths, id, query);
    if (container && unknown(id)) onContainer(container);
  };
  try {
    watchers.push(
      watch(runtime.dirs.containers, (_event, name) => {
        if (name && /^[0-9a-f]{64}$/.test(name)) void consider(name);
      }),
    );
  } catch {
    // No containers directory yet: nothing of this root to follow.
  }
}
