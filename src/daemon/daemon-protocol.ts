// berthd's wire format: newline-delimited JSON messages, their shapes, and errors turned into data and back.
import { type SourcePosition, SystemError, systemCallError, UserError, type UserErrorReason } from '../errors.js';

/** A call id, chosen by the client and unique among its calls in flight on one connection. */
export type CallId = number | string;

/** Client → server: run `method`. */
export interface CallRequest {
  id: CallId;
  method: string;
  params?: unknown;
}

/** Client → server: abort the call `id` (its handler's AbortSignal fires). */
export interface CancelRequest {
  id: CallId;
  cancel: true;
}

export type ClientMessage = CallRequest | CancelRequest;

/** Server → client: progress of a call, any number before its end. */
export interface EventReply {
  id: CallId;
  event: unknown;
}

/** Server → client: the call's value; its last message. */
export interface ResultReply {
  id: CallId;
  result: unknown;
}

/** Server → client: the call failed; its last message. `id` is null when the connection itself is at fault. */
export interface ErrorReply {
  id: CallId | null;
  error: WireError;
}

export type ServerMessage = EventReply | ResultReply | ErrorReply;

/** An error as data. `user` and `system` map back to UserError and SystemError, `internal` to a plain Error. */
export interface WireError {
  kind: 'user' | 'system' | 'internal';
  message: string;
  hint?: string;
  keyPath?: string;
  /** The exit code the CLI should end with, when the failure dictates one. */
  exitCode?: number;
  position?: SourcePosition;
  reason?: UserErrorReason;
  related?: WireError[];
  /** SystemError's failed operation and errno name. */
  operation?: string;
  code?: string;
  /** The error's class name on the daemon side for internal errors (e.g. `AbortError`, `TypeError`). */
  name?: string;
  /** Daemon-side stack of an internal error, for `--debug`. */
  stack?: string;
}

/** Longest line either side accepts; a longer one is a protocol error and ends the connection. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** The peer broke the protocol: a line too long, not JSON, or not a message. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

const NEWLINE = 0x0a;

/** Splits a byte stream into lines, whatever the chunk boundaries (lines and UTF-8 sequences may span chunks). */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /**
   * Hand each line this chunk completes to `onLine`, without its newline. Throws ProtocolError past
   * the bound, after the lines before the long one were handed over.
   */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      this.take(chunk.subarray(start, end));
      const line = Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
      start = end + 1;
      onLine(line);
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  /** Bytes of an unfinished line held back. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private take(part: Buffer): void {
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      throw new ProtocolError(`a message is longer than ${this.maxLineBytes} bytes`);
    }
    if (part.length > 0) {
      this.pending.push(part);
      this.pendingBytes += part.length;
    }
  }
}

/** One message as a line; ProtocolError when it would be longer than the peer accepts. */
export function encodeMessage(message: ClientMessage | ServerMessage, maxLineBytes = MAX_LINE_BYTES): string {
  const line = `${JSON.stringify(message)}\n`;
  if (Buffer.byteLength(line) > maxLineBytes) {
    throw new ProtocolError(`a message is longer than ${maxLineBytes} bytes`);
  }
  return line;
}

type JsonObject = Record<string, unknown>;

function parseObject(line: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError(`a message is not JSON: ${line.slice(0, 80)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`a message is not a JSON object: ${line.slice(0, 80)}`);
  }
  return value as JsonObject;
}

function isCallId(value: unknown): value is CallId {
  return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && value.length > 0 && value.length <= 200);
}

/** A line from a client as a call or a cancel; ProtocolError otherwise. */
export function parseClientMessage(line: string): ClientMessage {
  const object = parseObject(line);
  const { id } = object;
  if (!isCallId(id)) throw new ProtocolError('a message has no valid id (a safe integer or a short string)');
  if (object['cancel'] === true) return { id, cancel: true };
  if (typeof object['method'] !== 'string' || object['method'] === '') {
    throw new ProtocolError(`message ${JSON.stringify(id)} has neither a method nor cancel: true`);
  }
  return { id, method: object['method'], params: object['params'] };
}

/** A line from the server as an event, a result or an error; ProtocolError otherwise. */
export function parseServerMessage(line: string): ServerMessage {
  const object = parseObject(line);
  const { id } = object;
  if ('error' in object) {
    if (id !== null && !isCallId(id)) throw new ProtocolError('an error reply has no valid id');
    return { id, error: parseWireError(object['error']) };
  }
  if (!isCallId(id)) throw new ProtocolError('a reply has no valid id');
  if ('event' in object) return { id, event: object['event'] };
  if ('result' in object) return { id, result: object['result'] };
  throw new ProtocolError(`reply ${JSON.stringify(id)} has no event, result or error`);
}

function parseWireError(value: unknown): WireError {
  if (typeof value !== 'object' || value === null) throw new ProtocolError('an error reply has no error object');
  const object = value as JsonObject;
  const kind = object['kind'];
  if (kind !== 'user' && kind !== 'system' && kind !== 'internal') throw new ProtocolError(`an error has an unknown kind: ${String(kind)}`);
  if (typeof object['message'] !== 'string') throw new ProtocolError('an error has no message');
  const text = (key: string): string | undefined => (typeof object[key] === 'string' ? object[key] : undefined);
  const position = object['position'] as Partial<SourcePosition> | undefined;
  const reason = object['reason'];
  return dropUndefined({
    kind,
    message: object['message'],
    hint: text('hint'),
    keyPath: text('keyPath'),
    exitCode: typeof object['exitCode'] === 'number' && Number.isInteger(object['exitCode']) ? object['exitCode'] : undefined,
    position:
      position && typeof position.file === 'string' && typeof position.line === 'number' && typeof position.col === 'number'
        ? { file: position.file, line: position.line, col: position.col }
        : undefined,
    reason: reason === 'missing-file' || reason === 'invalid-project' ? reason : undefined,
    related: Array.isArray(object['related']) ? object['related'].map(parseWireError) : undefined,
    operation: text('operation'),
    code: text('code'),
    name: text('name'),
    stack: text('stack'),
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** The exit code an error carries (a numeric `exitCode` property), if any. */
export function exitCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('exitCode' in error)) return undefined;
  const { exitCode } = error;
  return typeof exitCode === 'number' && Number.isInteger(exitCode) ? exitCode : undefined;
}

/** Any thrown value as data, keeping what the CLI prints (hint, key path, position, errno). */
export function errorToWire(thrown: unknown): WireError {
  const exitCode = exitCodeOf(thrown);
  // A failed system call crosses as a system error, with its errno.
  const error = systemCallError(thrown) ?? thrown;
  if (error instanceof UserError) {
    return dropUndefined({
      kind: 'user',
      message: error.message,
      hint: error.hint,
      keyPath: error.keyPath,
      position: error.position,
      reason: error.reason,
      related: error.related.length ? error.related.map(errorToWire) : undefined,
      exitCode,
    });
  }
  if (error instanceof SystemError) {
    return dropUndefined({ kind: 'system', message: error.message, operation: error.operation, code: error.code, exitCode });
  }
  if (error instanceof Error) {
    // A protocol error is the peer's fault: its stack says nothing about the daemon.
    const stack = error instanceof ProtocolError ? undefined : error.stack;
    return dropUndefined({ kind: 'internal', message: error.message, name: error.name, stack, exitCode });
  }
  return { kind: 'internal', message: String(error) };
}

/** The error a client throws for a wire error: the same class as on the daemon for user and system errors. */
export function errorFromWire(wire: WireError): Error {
  let error: Error;
  if (wire.kind === 'user') {
    error = new UserError(wire.message, {
      hint: wire.hint,
      keyPath: wire.keyPath,
      position: wire.position,
      reason: wire.reason,
      related: wire.related?.map((related) => errorFromWire(related)).filter((one): one is UserError => one instanceof UserError),
    });
  } else if (wire.kind === 'system') {
    error = new SystemError(wire.message, wire.operation ?? 'berthd', wire.code);
  } else {
    error = new Error(wire.message);
    if (wire.name && wire.name !== 'Error') error.name = wire.name;
    if (wire.stack) error.stack = `${wire.stack}\n    at berthd (reply)`;
  }
  if (wire.exitCode !== undefined) Object.defineProperty(error, 'exitCode', { value: wire.exitCode, enumerable: true });
  return error;
}
