// Real-socket helpers for DNS tests: a UDP/TCP client bound to a chosen 127.x source, a stub upstream, dig.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { EmbeddedDns, type EmbeddedDnsOptions } from '../../../src/network/dns/embedded-dns.js';
import { type DecodedResponse, decodeResponse, encodeQuery, type TestQuery } from '../../unit/dns/dns-test-codec.js';

const execFileAsync = promisify(execFile);

/** An embedded DNS whose worker is closed in the test's teardown. Upstreams must be given: never the host's. */
export async function startTestDns(t: ExecutionContext, options: EmbeddedDnsOptions & { upstreams: readonly string[] }): Promise<EmbeddedDns> {
  const dns = await EmbeddedDns.start(options);
  t.teardown(() => dns.close());
  return dns;
}

export interface AskOptions {
  /** Source address: who the server thinks is asking. */
  from: string;
  transport?: 'udp' | 'tcp';
  timeoutMs?: number;
}

/** Send raw bytes over UDP from `from` and wait for one packet back (undefined on timeout). */
export function sendRawUdp(server: string, port: number, packet: Buffer, from: string, timeoutMs = 1500): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (answer: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.on('message', (message) => finish(message));
    socket.bind(0, from, () => socket.send(packet, port, server));
  });
}

/** Send many packets from one socket without waiting for answers. */
export async function sprayUdp(server: string, port: number, packets: readonly Buffer[], from: string): Promise<void> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, from, resolve));
  await Promise.all(packets.map((packet) => new Promise((resolve) => socket.send(packet, port, server, resolve))));
  socket.close();
}

/** Ask one question and decode the answer; rejects on timeout. */
export async function ask(server: string, port: number, query: TestQuery, options: AskOptions): Promise<DecodedResponse> {
  const packet = encodeQuery(query);
  const raw = options.transport === 'tcp' ? await sendRawTcp(server, port, packet, options.from, options.timeoutMs) : await sendRawUdp(server, port, packet, options.from, options.timeoutMs);
  if (!raw) throw new Error(`no answer from ${server}:${port} for ${query.name}`);
  return decodeResponse(raw);
}

function sendRawTcp(server: string, port: number, packet: Buffer, from: string, timeoutMs = 1500): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server, port, localAddress: from });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (answer: Buffer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(packet.length);
      socket.write(Buffer.concat([prefix, packet]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) finish(received.subarray(2, 2 + received.readUInt16BE(0)));
    });
  });
}

/**
 * A stub upstream resolver on `address:port` (UDP and TCP) answering every A query with `answer`,
 * counting the queries it saw per transport. Closed in teardown.
 */
export async function startStubUpstream(t: ExecutionContext, address: string, port: number, answer: string): Promise<{ queries: { udp: number; tcp: number } }> {
  const queries = { udp: 0, tcp: 0 };
  const respond = (query: Buffer): Buffer => {
    const id = query.readUInt16BE(0);
    const name = decodeResponse(query).questions[0]?.name ?? '';
    const response = encodeQuery({ id, name, type: 1, recursionDesired: true });
    response.writeUInt16BE(0x8180, 2); // QR, RD, RA, NOERROR
    response.writeUInt16BE(1, 6);
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0);
    record.writeUInt16BE(1, 2);
    record.writeUInt16BE(1, 4);
    record.writeUInt32BE(60, 6);
    record.writeUInt16BE(4, 10);
    Buffer.from(answer.split('.').map(Number)).copy(record, 12);
    return Buffer.concat([response, record]);
  };
  const udp = createSocket('udp4');
  udp.on('message', (message, remote) => {
    queries.udp++;
    udp.send(respond(message), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, address, resolve));
  const tcp = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      queries.tcp++;
      const reply = respond(chunk.subarray(2));
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      socket.end(Buffer.concat([prefix, reply]));
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, address, resolve));
  t.teardown(async () => {
    udp.close();
    await new Promise((resolve) => tcp.close(resolve));
  });
  return { queries };
}

/** A UDP socket that takes queries and never answers: an upstream that hangs. */
export async function startSilentUpstream(t: ExecutionContext, address: string, port: number): Promise<void> {
  const udp = createSocket('udp4');
  udp.on('message', () => undefined);
  await new Promise<void>((resolve) => udp.bind(port, address, resolve));
  t.teardown(() => udp.close());
}

/** Run dig against the server and return its output. */
export async function dig(server: string, port: number, args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('dig', [`@${server}`, '-p', String(port), '+tries=1', '+time=3', ...args]);
  return stdout;
}
