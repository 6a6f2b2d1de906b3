// Read container logs in conmon's k8s-file format (`<RFC3339Nano> <stream> <P|F> <text>`), rotated files included.
import { watch } from 'node:fs';
import { open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface LogEntry {
  /** RFC 3339 with nanoseconds, as conmon wrote it. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** One whole line (partial `P` pieces joined), without the newline. */
  text: string;
}

/** Parse k8s-file text; partial lines (`P`) join the next piece of the same stream. A torn last line is kept as is. */
export function parseK8sLog(text: string): LogEntry[] {
  const entries: LogEntry[] = [];
  const pending: Partial<Record<'stdout' | 'stderr', { time: string; text: string }>> = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    const third = line.indexOf(' ', second + 1);
    if (first < 0 || second < 0) continue;
    const time = line.slice(0, first);
    const stream = line.slice(first + 1, second);
    if (stream !== 'stdout' && stream !== 'stderr') continue;
    const tag = third < 0 ? line.slice(second + 1) : line.slice(second + 1, third);
    const content = third < 0 ? '' : line.slice(third + 1);
    const before = pending[stream];
    if (tag === 'P') {
      pending[stream] = { time: before?.time ?? time, text: (before?.text ?? '') + content };
      continue;
    }
    entries.push({ time: before?.time ?? time, stream, text: (before?.text ?? '') + content });
    delete pending[stream];
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const rest = pending[stream];
    if (rest) entries.push({ time: rest.time, stream, text: rest.text });
  }
  return entries;
}

/** The log files of a container, oldest first: `<log>.N` … `<log>.1`, then `<log>`. */
export async function logFiles(logPath: string): Promise<string[]> {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const rotated = names
    .map((name) => ({ name, index: name.startsWith(`${base}.`) ? Number(name.slice(base.length + 1)) : NaN }))
    .filter((entry) => Number.isInteger(entry.index) && entry.index > 0)
    .sort((a, b) => b.index - a.index)
    .map((entry) => path.join(dir, entry.name));
  return names.includes(base) ? [...rotated, logPath] : rotated;
}

/** Every entry of a container's log (rotated files first); `tail` keeps the last N. */
export async function readContainerLog(logPath: string, options: { tail?: number } = {}): Promise<LogEntry[]> {
  const texts = await Promise.all((await logFiles(logPath)).map((file) => readFile(file, 'utf8').catch(() => '')));
  const entries = texts.flatMap(parseK8sLog);
  return options.tail !== undefined ? entries.slice(Math.max(0, entries.length - options.tail)) : entries;
}

/**
 * Follow a container's log as it grows (`logs --follow`): every new whole line is passed to
 * `onEntry`. Woken by inotify on the directory; a rotated (replaced) file is read from its start.
 * Returns a function that stops following.
 */
export function followContainerLog(logPath: string, onEntry: (entry: LogEntry) => void, options: { fromStart?: boolean } = {}): () => void {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  let offset = 0;
  let inode = -1;
  let carry = '';
  let reading = false;
  let again = false;
  let stopped = false;
  const readMore = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const handle = await open(logPath, 'r').catch(() => undefined);
        if (!handle) continue;
        try {
          const info = await handle.stat();
          if (info.ino !== inode || info.size < offset) {
            // A new file (rotation) or one started again: read it from the beginning.
            if (inode !== -1 || options.fromStart !== false) offset = 0;
            else offset = info.size;
            inode = info.ino;
            carry = '';
          }
          if (info.size > offset) {
            const buffer = Buffer.alloc(info.size - offset);
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
            offset += bytesRead;
            const text = carry + buffer.subarray(0, bytesRead).toString('utf8');
            const end = text.lastIndexOf('\n');
            carry = end < 0 ? text : text.slice(end + 1);
            if (end >= 0 && !stopped) for (const entry of parseK8sLog(text.slice(0, end + 1))) onEntry(entry);
          }
        } finally {
          await handle.close();
        }
      } while (again && !stopped);
    } finally {
      reading = false;
    }
  };
  const watcher = watch(dir, (_event, filename) => {
    if (filename === base && !stopped) void readMore();
  });
  void readMore();
  return () => {
    stopped = true;
    watcher.close();
  };
}
