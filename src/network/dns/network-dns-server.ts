// One network's DNS server: UDP and TCP sockets on its gateway address, answering from the shared table.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { SystemError } from '../../errors.js';
import { type AnswerSettings, answerQuery, type QueryOutcome, upstreamFailure } from './answer-query.js';
import { ResponseBufferRing } from './dns-response.js';
import type { DnsQuery } from './dns-wire.js';
import type { RecordTable } from './record-table.js';
import { DEFAULT_FORWARD_OPTIONS, type ForwardOptions, forwardQuery, type Upstream } from './upstream-forwarder.js';

export interface NetworkDnsServerOptions {
  network: string;
  /** The gateway address to bind (a 127.x address in tests). */
  address: string;
  /** 53 in production; 0 picks a free port (UDP's, then the same for TCP). */
  port: number;
  upstreams: readonly Upstream[];
  ttl?: number;
  forward?: ForwardOptions;
}

/** Forwards in flight at once; beyond it clients get SERVFAIL rather than us running out of sockets. */
const MAX_FORWARDS_IN_FLIGHT = 512;
const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 256;
const MAX_TCP_PENDING_PER_CONNECTION = 32;
export const DEFAULT_TTL_SECONDS = 10;

export class NetworkDnsServer {
  private readonly udp: UdpSocket;
  private readonly tcp: TcpServer;
  private readonly ring = new ResponseBufferRing();
  private readonly settings: AnswerSettings;
  private readonly forwardOptions: ForwardOptions;
  private forwardsInFlight = 0;
  private boundPort = 0;
  private closed = false;
  private readonly connections = new Set<TcpSocket>();

  constructor(
    private readonly table: RecordTable,
    private readonly options: NetworkDnsServerOptions,
  ) {
    this.settings = { network: options.network, upstreams: options.upstreams, ttl: options.ttl ?? DEFAULT_TTL_SECONDS };
    this.forwardOptions = options.forward ?? DEFAULT_FORWARD_OPTIONS;
    this.udp = createSocket({ type: isIPv6(options.address) ? 'udp6' : 'udp4' });
    this.udp.on('message', (packet, remote) => this.onUdpPacket(packet, remote));
    // A send error (client gone, ICMP) concerns one client, never the server.
    this.udp.on('error', () => undefined);
    this.tcp = createServer({ noDelay: true }, (socket) => this.onTcpConnection(socket));
    this.tcp.maxConnections = MAX_TCP_CONNECTIONS;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Bind UDP then TCP; fails with a SystemError naming the address when either is taken. */
  async start(): Promise<number> {
    const { address, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.udp.once('error', reject);
      this.udp.bind(port, address, () => {
        this.udp.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      this.closed = true;
      try {
        this.udp.close();
      } catch {
        // never bound: nothing to close
      }
      throw bindError(error, 'udp', address, port);
    });
    this.boundPort = this.udp.address().port;
    try {
      await new Promise<void>((resolve, reject) => {
        this.tcp.once('error', reject);
        this.tcp.listen({ host: address, port: this.boundPort, exclusive: true }, () => {
          this.tcp.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.closed = true;
      this.udp.close();
      throw bindError(error, 'tcp', address, this.boundPort);
    }
    return this.boundPort;
  }

  async close(): Promise<void> {
    this.closed = true;
    // server.close() waits for open connections; a client idling on one must not hold up a teardown.
    for (const socket of this.connections) socket.destroy();
    await Promise.allSettled([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private onUdpPacket(packet: Buffer, remote: RemoteInfo): void {
    let outcome: QueryOutcome;
    try {
      outcome = answerQuery(this.table, packet, remote.address, 'udp', this.settings, this.ring);
    } catch {
      return; // answerQuery does not throw by design; a bug must still not stop the server.
    }
    if (outcome.kind === 'reply') {
      this.udp.send(outcome.buffer, 0, outcome.length, remote.port, remote.address, outcome.release);
    } else if (outcome.kind === 'forward') {
      void this.forward(packet, outcome.query, outcome.upstreams, 'udp').then((answer) => this.sendUdp(answer, remote));
    }
  }

  /** Send a late answer; the socket may have closed meanwhile (network removed), which is no error. */
  private sendUdp(answer: Buffer, remote: RemoteInfo): void {
    if (this.closed || answer.length === 0) return;
    try {
      this.udp.send(answer, remote.port, remote.address);
    } catch {
      // ERR_SOCKET_DGRAM_NOT_RUNNING after close: the client will time out, as it would anyway.
    }
  }

  /** The upstream's answer, or our SERVFAIL when none came in time; a copy, never a ring buffer. */
  private async forward(packet: Buffer, query: DnsQuery, upstreams: readonly Upstream[], transport: 'udp' | 'tcp'): Promise<Buffer> {
    let answer: Buffer | undefined;
    if (this.forwardsInFlight < MAX_FORWARDS_IN_FLIGHT) {
      this.forwardsInFlight++;
      try {
        answer = await forwardQuery(packet, upstreams, transport, this.forwardOptions);
      } finally {
        this.forwardsInFlight--;
      }
    }
    if (answer) return answer;
    const failure = upstreamFailure(packet, query, transport, this.settings, this.ring);
    if (failure.kind !== 'reply') return Buffer.alloc(0);
    const copy = Buffer.from(failure.buffer.subarray(0, failure.length));
    failure.release();
    return copy;
  }

  private onTcpConnection(socket: TcpSocket): void {
    const clientAddress = socket.remoteAddress ?? '';
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    let inFlight = 0;
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const send = (message: Buffer) => {
      if (socket.destroyed || message.length === 0) return;
      const framed = Buffer.allocUnsafe(message.length + 2);
      framed.writeUInt16BE(message.length, 0);
      message.copy(framed, 2);
      socket.write(framed);
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const packet = Buffer.from(pending.subarray(2, 2 + length));
        pending = pending.subarray(2 + length);
        if (inFlight >= MAX_TCP_PENDING_PER_CONNECTION) {
          socket.destroy();
          return;
        }
        let outcome: QueryOutcome;
        try {
          outcome = answerQuery(this.table, packet, clientAddress, 'tcp', this.settings, this.ring);
        } catch {
          socket.destroy();
          return;
        }
        if (outcome.kind === 'reply') {
          send(outcome.buffer.subarray(0, outcome.length));
          outcome.release(); // send() copied it
        } else if (outcome.kind === 'forward') {
          inFlight++;
          void this.forward(packet, outcome.query, outcome.upstreams, 'tcp').then((answer) => {
            inFlight--;
            send(answer);
          });
        } else {
          socket.destroy(); // a response or garbage header on a stream: the framing cannot be trusted
          return;
        }
      }
    });
  }
}

function bindError(error: unknown, protocol: string, address: string, port: number): SystemError {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return new SystemError(`cannot serve DNS on ${address}:${port}/${protocol}: ${error instanceof Error ? error.message : String(error)}`, `bind ${protocol}`, code, { cause: error });
}
