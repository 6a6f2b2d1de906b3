// A connection to berthd: calls with streamed events, cancellation, and the daemon's errors rethrown as ours.
import { type Socket, createConnection } from 'node:net';
import { SystemError } from '../errors.js';
import {
  type CallId,
  LineSplitter,
  MAX_LINE_BYTES,
  ProtocolError,
  type ServerMessage,
  encodeMessage,
  errorFromWire,
  parseServerMessage,
} from './daemon-protocol.js';

export interface DaemonCallOptions {
  /** Each event the handler emits, in order, before the call resolves. */
  onEvent?(event: unknown): void;
  /** Cancels the call: the daemon's handler is aborted and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DaemonClient {
  /** Run `method` in the daemon. The result is whatever the handler returned; its type is the caller's claim. */
  call<T>(method: string, params?: unknown, options?: DaemonCallOptions): Promise<T>;
  /** End the connection; calls still in flight reject (and the daemon aborts them). */
  close(): Promise<void>;
  /** Resolves when the connection is gone, whoever ended it. */
  readonly closed: Promise<void>;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onEvent: ((event: unknown) => void) | undefined;
}

/** Connect to the daemon at `socketPath`; SystemError with the errno name (ENOENT, ECONNREFUSED, EACCES) when it cannot. */
export async function connectDaemon(socketPath: string): Promise<DaemonClient> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const candidate = createConnection(socketPath);
    candidate.once('connect', () => {
      candidate.off('error', reject);
      resolve(candidate);
    });
    candidate.once('error', (error: NodeJS.ErrnoException) => {
      reject(new SystemError(`cannot reach berthd at ${socketPath}: ${error.message}`, 'connect', error.code, { cause: error }));
    });
  });
  return new SocketDaemonClient(socket);
}

class SocketDaemonClient implements DaemonClient {
  readonly closed: Promise<void>;
  private readonly pending = new Map<CallId, PendingCall>();
  private readonly splitter = new LineSplitter(MAX_LINE_BYTES);
  private nextId = 1;
  private failure: Error | undefined;

  constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= new SystemError(`connection to berthd failed: ${error.message}`, 'daemon call', error.code, { cause: error });
    });
    void this.closed.then(() => {
      this.failAll(this.failure ?? new SystemError('berthd closed the connection before replying', 'daemon call', 'ECONNRESET'));
    });
    // An idle connection must not keep a program alive; a call in flight does.
    socket.unref();
  }

  call<T>(method: string, params?: unknown, options: DaemonCallOptions = {}): Promise<T> {
    const { signal, onEvent } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.failure || !this.socket.writable) {
      return Promise.reject(this.failure ?? new SystemError('the connection to berthd is closed', 'daemon call', 'EPIPE'));
    }
    const id = this.nextId++;
    let line: string;
    try {
      line = encodeMessage({ id, method, ...(params === undefined ? {} : { params }) });
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return;
        this.afterCall();
        if (this.socket.writable) this.socket.write(encodeMessage({ id, cancel: true }));
        reject(signal?.reason);
      };
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value as T);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        onEvent,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.socket.ref();
      this.socket.write(line);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new SystemError('the connection to berthd was closed by the client', 'daemon call', 'ECONNABORTED');
    this.socket.end();
    const dropped = setTimeout(() => this.socket.destroy(), 1_000);
    await this.closed;
    clearTimeout(dropped);
  }

  private receive(chunk: Buffer): void {
    try {
      this.splitter.push(chunk, (line) => this.dispatch(parseServerMessage(line)));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.failure ??= new SystemError(`berthd sent a bad reply: ${error.message}`, 'daemon call', 'EPROTO', { cause: error });
      this.socket.destroy();
    }
  }

  private dispatch(message: ServerMessage): void {
    if ('error' in message && message.id === null) {
      // The daemon rejected the connection as a whole; every call on it is lost.
      this.failure ??= errorFromWire(message.error);
      this.failAll(this.failure);
      return;
    }
    const id = message.id as CallId;
    const call = this.pending.get(id);
    // Replies to cancelled calls arrive after the caller stopped listening.
    if (!call) return;
    if ('event' in message) {
      try {
        call.onEvent?.(message.event);
      } catch (error) {
        // A listener that throws ends its call: the daemon stops working for nobody.
        this.pending.delete(id);
        this.afterCall();
        if (this.socket.writable) this.socket.write(encodeMessage({ id, cancel: true }));
        call.reject(error);
      }
      return;
    }
    this.pending.delete(id);
    this.afterCall();
    if ('error' in message) call.reject(errorFromWire(message.error));
    else call.resolve(message.result);
  }

  private afterCall(): void {
    if (this.pending.size === 0) this.socket.unref();
  }

  private failAll(error: Error): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
    this.afterCall();
  }
}
