// berthd's socket server: accepts connections on a private unix socket and runs named handlers per call.
import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import path from 'node:path';
import { SystemError, UserError } from '../errors.js';
import { withFileLock } from '../state/lock-file.js';
import {
  type CallId,
  type CallRequest,
  LineSplitter,
  MAX_LINE_BYTES,
  ProtocolError,
  type ServerMessage,
  encodeMessage,
  errorToWire,
  parseClientMessage,
} from './daemon-protocol.js';
import { ensurePrivateDirectory } from './private-directory.js';

/** What a handler gets besides its params. */
export interface DaemonCallContext {
  /**
   * Send an event to the caller before the result (progress, log lines). Ignored once the call ended;
   * throws ProtocolError for an event longer than a line may be.
   */
  emit(event: unknown): void;
  /** Resolves once the caller has read what was sent so far: await it between events of a long stream (logs). */
  drained(): Promise<void>;
  /** Fires when the caller cancels, disconnects, or the server closes. */
  signal: AbortSignal;
  /** Resolves when the caller's connection closes (for work that outlives the call but not its owner). */
  clientClosed: Promise<void>;
}

/** One method of the daemon. Its value is sent as JSON (undefined becomes null); what it throws becomes an error reply. */
export type DaemonHandler = (params: unknown, context: DaemonCallContext) => Promise<unknown>;

export interface DaemonServerOptions {
  socketPath: string;
  handlers: Readonly<Record<string, DaemonHandler>>;
  /** Longest request line accepted (default 16 MiB). */
  maxLineBytes?: number;
  /** How long close() lets aborted handlers settle before it drops their connections (default 5 s). */
  closeGraceMs?: number;
  /** Runs once the socket is bound, before any connection is served (e.g. write the pid file). */
  onListening?(): Promise<void>;
  /** Told about calls that failed with an internal error (a bug), and about protocol violations. */
  onError?(error: unknown, method: string | undefined): void;
}

export interface DaemonServer {
  /** Stop accepting, abort calls in flight, send their last replies, close connections, remove the socket. */
  close(): Promise<void>;
  /** Connections open now. */
  readonly connections: number;
}

/** Listen on `socketPath` (directory 0700, socket 0600), taking over a stale socket that nobody answers on. */
export async function startDaemonServer(options: DaemonServerOptions): Promise<DaemonServer> {
  const { socketPath } = options;
  ensurePrivateDirectory(path.dirname(socketPath));
  const connections = new Set<Connection>();
  let serving: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (serving = resolve));
  // Paused until ready: a client that connects early waits instead of seeing a half-started daemon.
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    const connection = new Connection(socket, options);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
    void ready.then(() => socket.resume());
  });
  // The lock makes "is it stale? remove it, bind" one step for every server started on this path.
  const socketInode = await withFileLock(`${socketPath}.lock`, async () => {
    await removeStaleSocket(socketPath);
    await listen(server, socketPath);
    chmodSync(socketPath, 0o600);
    return lstatSync(socketPath).ino;
  });
  try {
    await options.onListening?.();
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    removeSocketIfOurs(socketPath, socketInode);
    throw error;
  }
  serving();

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    removeSocketIfOurs(socketPath, socketInode);
    await Promise.all([...connections].map((connection) => connection.shutDown(options.closeGraceMs ?? 5_000)));
    await stopped;
  };
  return {
    close: () => (closing ??= close()),
    get connections() {
      return connections.size;
    },
  };
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new SystemError(`cannot listen on ${socketPath}: ${error.message}`, 'listen', error.code, { cause: error }));
    };
    server.once('error', onError);
    server.listen(socketPath, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A socket file nobody answers on was left by a killed daemon; one that answers belongs to a live daemon. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(socketPath).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isSocket) throw new SystemError(`${socketPath} exists and is not a socket`, 'listen', 'EEXIST');
  const answered = await new Promise<boolean>((resolve, reject) => {
    const probe = createConnection(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve(false);
      else reject(new SystemError(`cannot probe ${socketPath}: ${error.message}`, 'listen', error.code, { cause: error }));
    });
  });
  if (answered) throw new SystemError(`another berthd already answers on ${socketPath}`, 'listen', 'EADDRINUSE');
  rmSync(socketPath, { force: true });
}

/** libuv unlinks the socket on close too, but a successor may already have bound a new file at the path. */
function removeSocketIfOurs(socketPath: string, inode: number): void {
  try {
    if (lstatSync(socketPath).ino === inode) rmSync(socketPath, { force: true });
  } catch {
    // Already gone.
  }
}

/** One client connection: its calls in flight, its framing, its end. */
class Connection {
  readonly closed: Promise<void>;
  private readonly calls = new Map<CallId, AbortController>();
  private readonly settled = new Set<Promise<void>>();
  private readonly splitter: LineSplitter;
  private broken = false;
  private ending: Promise<void> | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: DaemonServerOptions,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // A reset by the client is its way of leaving; 'close' follows and aborts its calls.
    socket.on('error', () => undefined);
    void this.closed.then(() => this.abortAll(new DOMException('the client disconnected', 'AbortError')));
  }

  /** Abort every call, let handlers reply (bounded by `graceMs`), then end the connection. */
  shutDown(graceMs: number, reason = 'berthd is shutting down'): Promise<void> {
    return (this.ending ??= this.end(graceMs, reason));
  }

  private async end(graceMs: number, reason: string): Promise<void> {
    this.broken = true;
    this.abortAll(new DOMException(reason, 'AbortError'));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.settled), grace]);
    clearTimeout(timer);
    this.socket.end();
    const dropped = setTimeout(() => this.socket.destroy(), 1_000);
    await this.closed;
    clearTimeout(dropped);
  }

  /** A slow reader makes the socket buffer fill up; waiting here keeps the daemon's memory bounded. */
  private drained(): Promise<void> {
    const { socket } = this;
    if (!socket.writableNeedDrain || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  private abortAll(reason: DOMException): void {
    for (const controller of this.calls.values()) controller.abort(reason);
  }

  private receive(chunk: Buffer): void {
    if (this.broken) return;
    try {
      this.splitter.push(chunk, (line) => {
        if (this.broken) return;
        const message = parseClientMessage(line);
        if ('cancel' in message) this.calls.get(message.id)?.abort(new DOMException('the caller cancelled', 'AbortError'));
        else this.start(message);
      });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      // Nothing after a broken frame can be trusted: say why, read no more, let earlier calls reply, then end.
      this.options.onError?.(error, undefined);
      this.send({ id: null, error: errorToWire(error) });
      void this.shutDown(this.options.closeGraceMs ?? 5_000, 'the client broke the protocol');
    }
  }

  private start({ id, method, params }: CallRequest): void {
    if (this.calls.has(id)) {
      this.send({ id, error: errorToWire(new ProtocolError(`call id ${JSON.stringify(id)} is already in flight`)) });
      return;
    }
    const handler = Object.hasOwn(this.options.handlers, method) ? this.options.handlers[method] : undefined;
    if (!handler) {
      const error = new UserError(`berthd has no method ${JSON.stringify(method)}`, {
        hint: 'the running berthd is another version: restart it with `berth daemon stop`',
      });
      this.send({ id, error: errorToWire(error) });
      return;
    }
    const controller = new AbortController();
    this.calls.set(id, controller);
    let ended = false;
    const emit = (event: unknown): void => {
      if (!ended) this.send({ id, event });
    };
    const context: DaemonCallContext = { emit, drained: () => this.drained(), signal: controller.signal, clientClosed: this.closed };
    const run = Promise.resolve()
      .then(() => handler(params, context))
      .then(
        (result) => ({ id, result: result ?? null }),
        (error: unknown) => {
          if (errorToWire(error).kind === 'internal' && !controller.signal.aborted) this.options.onError?.(error, method);
          return { id, error: errorToWire(error) };
        },
      )
      .then((reply) => {
        ended = true;
        this.calls.delete(id);
        this.send(reply);
      });
    this.settled.add(run);
    void run.finally(() => this.settled.delete(run));
  }

  /**
   * Write one message. A result that cannot be sent (too long, a cycle, a BigInt) becomes an error
   * reply instead; an event that cannot be sent throws to the handler that emitted it.
   */
  private send(message: ServerMessage): void {
    if (!this.socket.writable) return;
    let line: string;
    try {
      line = encodeMessage(message);
    } catch (error) {
      if ('event' in message) throw error;
      line = encodeMessage({ id: message.id, error: errorToWire(error) });
    }
    this.socket.write(line);
  }
}
