// The owner's side of a berthd lease: one connection that holds `lease.hold` open and never keeps the program alive.
import { randomUUID } from 'node:crypto';
import { type Socket, createConnection } from 'node:net';
import {
  type CallId,
  LineSplitter,
  MAX_LINE_BYTES,
  ProtocolError,
  type ServerMessage,
  encodeMessage,
  errorFromWire,
  parseServerMessage,
} from '../daemon/daemon-protocol.js';
import type { DownOptions } from '../engine/engine.js';
import type { LeaseHoldParams } from '../engine/owner-lease.js';
import { SystemError } from '../errors.js';
import type { Project } from '../spec/model.js';

export interface OwnerLease {
  readonly leaseId: string;
  /** Tell berthd the stack needs no guarding any more (it was taken down by its owner), then hang up. */
  release(): Promise<void>;
}

const HOLD_ID = 1;
const RELEASE_ID = 2;

/**
 * Ask berthd to take `project` down when this process's connection goes away (the process died, even
 * by SIGKILL) before `release()`. Resolves once berthd has registered the lease. Unlike the calls of
 * DaemonClient, the held call does not keep the event loop alive: a program may end with it open.
 */
export async function holdOwnerLease(socketPath: string, project: Project, down: DownOptions): Promise<OwnerLease> {
  const socket = await connect(socketPath);
  const leaseId = randomUUID();
  const replies = new Map<CallId, (message: ServerMessage) => void>();
  const splitter = new LineSplitter(MAX_LINE_BYTES);
  let failure: Error | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', (error: NodeJS.ErrnoException) => {
    failure ??= new SystemError(`the lease connection to berthd failed: ${error.message}`, 'lease', error.code, { cause: error });
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      splitter.push(chunk, (line) => {
        const message = parseServerMessage(line);
        if (message.id !== null) replies.get(message.id)?.(message);
      });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      failure ??= new SystemError(`berthd sent a bad reply: ${error.message}`, 'lease', 'EPROTO');
      socket.destroy();
    }
  });

  /** The first message berthd sends for `id` (an event or the end), or the connection's failure. */
  const nextMessage = (id: CallId): Promise<ServerMessage> =>
    new Promise((resolve, reject) => {
      const onClose = (): void => reject(failure ?? new SystemError('berthd closed the lease connection', 'lease', 'ECONNRESET'));
      void closed.then(onClose);
      replies.set(id, (message) => {
        replies.delete(id);
        resolve(message);
      });
    });

  const params: LeaseHoldParams = { leaseId, project, down };
  const held = nextMessage(HOLD_ID);
  socket.write(encodeMessage({ id: HOLD_ID, method: 'lease.hold', params }));
  try {
    const first = await held;
    if ('error' in first) throw errorFromWire(first.error);
    if (!('event' in first)) throw new SystemError('berthd ended the lease before holding it', 'lease', 'EPROTO');
  } catch (error) {
    socket.destroy();
    throw error;
  }
  // Held: from here the connection is only a tripwire and must not keep this process alive.
  socket.unref();

  let releasing: Promise<void> | undefined;
  const release = async (): Promise<void> => {
    if (socket.destroyed) return;
    // Until the release is acknowledged this process must stay: dying half-way would be taken as "owner gone".
    socket.ref();
    try {
      const holdEnded = nextMessage(HOLD_ID);
      const acknowledged = nextMessage(RELEASE_ID);
      socket.write(encodeMessage({ id: RELEASE_ID, method: 'lease.release', params: { leaseId } }));
      const reply = await acknowledged;
      if ('error' in reply) throw errorFromWire(reply.error);
      await holdEnded;
    } finally {
      socket.end();
      const dropped = setTimeout(() => socket.destroy(), 1_000);
      await closed;
      clearTimeout(dropped);
    }
  };
  return { leaseId, release: () => (releasing ??= release()) };
}

function connect(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      reject(new SystemError(`cannot reach berthd at ${socketPath}: ${error.message}`, 'lease', error.code, { cause: error }));
    });
  });
}
