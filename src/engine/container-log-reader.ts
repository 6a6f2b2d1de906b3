// Read one container's k8s-file log from its start and then as it grows, losing and repeating no line.
//
// The runtime's followContainerLog parses each chunk on its own, so a partial line (`P`) whose end
// arrives in a later write is printed in two pieces, and reading history first and following after
// leaves a window where lines are lost or repeated. This reader keeps one file handle and one byte
// offset from the history to the end: partial lines are joined across chunks, rotated files
// (rename to `.1`) are drained through the open handle before moving to the new file.
import { type FileHandle, open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { logFiles, type LogEntry } from '../runtime/k8s-log.js';

type Stream = LogEntry['stream'];

/** Incremental k8s-file decoding: whole lines only; a torn last line and `P` pieces wait for the rest. */
export class K8sLogDecoder {
  private readonly bytes = new StringDecoder('utf8');
  private carry = '';
  private readonly pending: Partial<Record<Stream, { time: string; text: string }>> = {};

  push(chunk: Buffer | string): LogEntry[] {
    const text = this.carry + (typeof chunk === 'string' ? chunk : this.bytes.write(chunk));
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.carry = text;
      return [];
    }
    this.carry = text.slice(end + 1);
    const entries: LogEntry[] = [];
    for (const line of text.slice(0, end).split('\n')) this.decodeLine(line, entries);
    return entries;
  }

  /** What is still held (a line without its newline, partial pieces), as entries: the end of a log that will not grow. */
  flush(): LogEntry[] {
    const entries: LogEntry[] = [];
    const rest = this.carry + this.bytes.end();
    this.carry = '';
    if (rest !== '') this.decodeLine(rest, entries);
    for (const stream of ['stdout', 'stderr'] as const) {
      const piece = this.pending[stream];
      if (piece) entries.push({ time: piece.time, stream, text: piece.text });
      delete this.pending[stream];
    }
    return entries;
  }

  /** Forget a torn line (the file started again: what followed it is gone). */
  reset(): void {
    this.carry = '';
    this.bytes.end();
  }

  private decodeLine(line: string, entries: LogEntry[]): void {
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    if (first < 0 || second < 0) return;
    const stream = line.slice(first + 1, second);
    if (stream !== 'stdout' && stream !== 'stderr') return;
    const time = line.slice(0, first);
    const third = line.indexOf(' ', second + 1);
    const tag = third < 0 ? line.slice(second + 1) : line.slice(second + 1, third);
    const content = third < 0 ? '' : line.slice(third + 1);
    const before = this.pending[stream];
    if (tag === 'P') {
      this.pending[stream] = { time: before?.time ?? time, text: (before?.text ?? '') + content };
      return;
    }
    entries.push({ time: before?.time ?? time, stream, text: (before?.text ?? '') + content });
    delete this.pending[stream];
  }
}

const CHUNK = 256 * 1024;

async function readFrom(handle: FileHandle, offset: number, onChunk: (chunk: Buffer) => void): Promise<number> {
  let position = offset;
  for (;;) {
    const buffer = Buffer.alloc(CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) return position;
    position += bytesRead;
    onChunk(buffer.subarray(0, bytesRead));
  }
}

export class ContainerLogReader {
  private readonly decoder = new K8sLogDecoder();
  private handle: FileHandle | undefined;
  private inode = -1;
  private offset = 0;
  /** The previous file after a rotation, drained until the writer has moved to the new one. */
  private previous: { handle: FileHandle; offset: number } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(readonly logPath: string) {}

  /** Everything written so far: rotated files, then the current file up to its end (whole lines). */
  history(): Promise<LogEntry[]> {
    return this.serial(async () => {
      const entries: LogEntry[] = [];
      const files = await logFiles(this.logPath);
      for (const file of files) {
        if (file === this.logPath) continue;
        const rotated = await open(file, 'r').catch(() => undefined);
        if (!rotated) continue;
        const decoder = new K8sLogDecoder();
        try {
          await readFrom(rotated, 0, (chunk) => entries.push(...decoder.push(chunk)));
        } finally {
          await rotated.close();
        }
        // A rotated file is complete: whatever it held unfinished ends there.
        entries.push(...decoder.flush());
      }
      entries.push(...(await this.readCurrent()));
      return entries;
    });
  }

  /** Lines written since the last call (or since `history`). */
  readNew(): Promise<LogEntry[]> {
    return this.serial(() => this.readCurrent());
  }

  /** The lines still held back (a torn last line, unfinished partial lines): call when the log will not grow. */
  rest(): LogEntry[] {
    return this.decoder.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.handle?.close().catch(() => undefined);
    await this.previous?.handle.close().catch(() => undefined);
    this.handle = undefined;
    this.previous = undefined;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readCurrent(): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    if (this.closed) return entries;
    const take = (chunk: Buffer): void => {
      entries.push(...this.decoder.push(chunk));
    };
    if (this.previous) {
      this.previous.offset = await readFrom(this.previous.handle, this.previous.offset, take);
    }
    const info = await stat(this.logPath).catch(() => undefined);
    if (info && info.ino !== this.inode) {
      // A new file under the name: drain the old one (now `.1`) first, keep it while the writer may still use it.
      if (this.handle) {
        this.offset = await readFrom(this.handle, this.offset, take);
        await this.previous?.handle.close().catch(() => undefined);
        this.previous = { handle: this.handle, offset: this.offset };
      }
      this.handle = await open(this.logPath, 'r').catch(() => undefined);
      this.inode = info.ino;
      this.offset = 0;
    }
    if (!this.handle) return entries;
    const size = (await this.handle.stat()).size;
    if (size < this.offset) {
      // conmon's size cap starts the same file again.
      this.offset = 0;
      this.decoder.reset();
    }
    if (size > 0 && this.previous) {
      // The writer has reopened: the old file will not grow any more.
      this.previous.offset = await readFrom(this.previous.handle, this.previous.offset, take);
      await this.previous.handle.close().catch(() => undefined);
      this.previous = undefined;
    }
    this.offset = await readFrom(this.handle, this.offset, take);
    return entries;
  }
}
