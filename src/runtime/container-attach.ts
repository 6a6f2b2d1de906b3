// Attach to a container's stdio through its conmon (`berth run`): stdin in, stdout and stderr out, the
// terminal's size. conmon serves a SOCK_SEQPACKET socket `attach` in the bundle: each packet it sends
// is one byte naming the stream (2 stdout, 3 stderr) and the data; what the client sends is stdin, and
// the client's shutdown(SHUT_WR) closes it. Resizes go to the `ctl` FIFO as "1 <rows> <columns>".
import { close, read, write } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SystemError } from '../errors.js';
import { berthSys } from '../native/berth-sys.js';

const readAsync = promisify(read);
const writeAsync = promisify(write);
const closeAsync = promisify(close);

/** conmon's stream numbers in the attach protocol. */
const STDOUT_PIPE = 2;
const STDERR_PIPE = 3;
/** conmon reads client packets into a 32 KiB buffer; smaller packets are never cut. */
const STDIN_PACKET_BYTES = 8192;
/** conmon sends at most 8 KiB of data after the stream byte. */
const OUTPUT_PACKET_BYTES = 8192 + 1;

export interface AttachStreams {
  /** Forwarded to the container's stdin until it ends; then the container reads end-of-file. */
  readonly stdin?: NodeJS.ReadableStream | undefined;
  readonly stdout: { write(data: Uint8Array): unknown };
  readonly stderr: { write(data: Uint8Array): unknown };
}

export interface Attachment {
  /** Resolves once conmon ends the connection: the container has exited and its output is all written. */
  readonly ended: Promise<void>;
  /** Set the container terminal's size (a container made with `tty`). */
  resize(rows: number, columns: number): Promise<void>;
}

/**
 * Attach to the container whose conmon runs in `bundle`. Attach before the container starts to see all
 * of its output. Reads block a thread-pool thread for as long as the container runs (fine in the CLI).
 */
export function attachContainer(bundle: string, streams: AttachStreams): Attachment {
  let fd: number;
  try {
    fd = berthSys().connectSeqpacket(path.join(bundle, 'attach'));
  } catch (error) {
    throw new SystemError(`cannot attach to the container: ${(error as Error).message}`, 'attach', (error as NodeJS.ErrnoException).code);
  }
  let writing: Promise<unknown> = Promise.resolve();
  const { stdin } = streams;
  const onData = (chunk: Buffer | string): void => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    stdin?.pause();
    writing = writing
      .then(async () => {
        for (let at = 0; at < data.length; at += STDIN_PACKET_BYTES) await writeAsync(fd, data.subarray(at, at + STDIN_PACKET_BYTES));
      })
      .catch(() => undefined)
      .finally(() => stdin?.resume());
  };
  const forwardStdin = (stdin: NodeJS.ReadableStream): void => {
    stdin.on('data', onData);
    // The container reads end-of-file once what came before is written.
    stdin.once('end', () => void (writing = writing.then(() => berthSys().shutdownWrite(fd)).catch(() => undefined)));
  };
  const pump = async (): Promise<void> => {
    const buffer = Buffer.alloc(OUTPUT_PACKET_BYTES);
    try {
      for (;;) {
        const { bytesRead } = await readAsync(fd, buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        const data = Buffer.from(buffer.subarray(1, bytesRead));
        if (buffer[0] === STDOUT_PIPE) streams.stdout.write(data);
        else if (buffer[0] === STDERR_PIPE) streams.stderr.write(data);
      }
    } catch (error) {
      // The connection reset by conmon's exit ends the stream like an end-of-file.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    } finally {
      stdin?.off('data', onData);
      stdin?.pause();
      await writing;
      await closeAsync(fd).catch(() => undefined);
    }
  };
  if (stdin) forwardStdin(stdin);
  return {
    ended: pump(),
    resize: (rows, columns) => writeFile(path.join(bundle, 'ctl'), `1 ${rows} ${columns}\n`),
  };
}
