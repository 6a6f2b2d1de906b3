// Sends a query we cannot answer to upstream resolvers (UDP or TCP) and waits a bounded time.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv4, isIPv6, connect as connectTcp } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface ForwardOptions {
  /** How long one upstream gets to answer before the next is tried. */
  attemptTimeoutMs: number;
  /** How long the whole forward may take; after it the client gets SERVFAIL. */
  totalTimeoutMs: number;
}

export const DEFAULT_FORWARD_OPTIONS: ForwardOptions = { attemptTimeoutMs: 800, totalTimeoutMs: 1800 };
const MAX_TCP_MESSAGE = 65535;

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` → host and port; undefined for anything else. */
export function parseUpstream(text: string): Upstream | undefined {
  const trimmed = text.trim();
  if (isIPv4(trimmed) || isIPv6(trimmed)) return { host: trimmed, port: 53 };
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed);
  const plain = /^([\d.]+):(\d+)$/.exec(trimmed);
  const match = bracketed ?? plain;
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  if (!(isIPv4(match[1]) || isIPv6(match[1])) || port < 1 || port > 65535) return undefined;
  return { host: match[1], port };
}

/**
 * Forward `query` to each upstream in turn until one answers; resolve with the answer (its id set
 * back to the client's) or undefined when none answered in time.
 */
export async function forwardQuery(
  query: Buffer,
  upstreams: readonly Upstream[],
  transport: 'udp' | 'tcp',
  options: ForwardOptions = DEFAULT_FORWARD_OPTIONS,
): Promise<Buffer | undefined> {
  if (query.length < 12) return undefined;
  const clientId = query.readUInt16BE(0);
  const deadline = Date.now() + options.totalTimeoutMs;
  for (const upstream of upstreams) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const timeout = Math.min(options.attemptTimeoutMs, left);
    // A fresh id and a fresh source port per query make a forged answer hard to slip in.
    const outgoing = Buffer.from(query);
    const ourId = randomInt(0, 0x10000);
    outgoing.writeUInt16BE(ourId, 0);
    const answer =
      transport === 'udp' ? await askOverUdp(outgoing, ourId, upstream, timeout) : await askOverTcp(outgoing, ourId, upstream, timeout);
    if (answer) {
      answer.writeUInt16BE(clientId, 0);
      return answer;
    }
  }
  return undefined;
}

function askOverUdp(packet: Buffer, id: number, upstream: Upstream, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(upstream.host) ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (answer: Buffer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    // A connected socket only hears its upstream, and gets ECONNREFUSED at once when nobody listens.
    socket.on('error', () => finish(undefined));
    socket.on('message', (message) => {
      if (message.length >= 12 && message.readUInt16BE(0) === id && (message[2]! & 0x80) !== 0) finish(message);
    });
    socket.connect(upstream.port, upstream.host, () => {
      socket.send(packet, (error) => {
        if (error) finish(undefined);
      });
    });
  });
}

function askOverTcp(packet: Buffer, id: number, upstream: Upstream, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: upstream.host, port: upstream.port });
    let settled = false;
    let received = Buffer.alloc(0);
    const finish = (answer: Buffer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(packet.length, 0);
      socket.write(Buffer.concat([prefix, packet]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_TCP_MESSAGE + 2) return finish(undefined);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length < 2 + length) return;
      const message = Buffer.from(received.subarray(2, 2 + length));
      finish(message.length >= 12 && message.readUInt16BE(0) === id ? message : undefined);
    });
  });
}
