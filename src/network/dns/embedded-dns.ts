// The engine's handle on the embedded DNS: runs the worker thread, posts servers and records to it, restarts it.
import { Worker } from 'node:worker_threads';
import { SystemError } from '../../errors.js';
import type { DnsWorkerReply, DnsWorkerRequest, ServeNetworkRequest } from './dns-worker-protocol.js';
import type { DnsEndpoint, EndpointKey } from './record-table.js';
import { readHostUpstreams } from './resolv-conf.js';
import { type ForwardOptions, parseUpstream, type Upstream } from './upstream-forwarder.js';

export interface EmbeddedDnsOptions {
  /**
   * Upstream resolvers (`ip` or `ip:port`) for names no network knows. Default: the nameservers of
   * the host's /etc/resolv.conf that are not loopback (a container cannot reach the host's loopback).
   */
  upstreams?: readonly string[];
  /** TTL in seconds of local answers (default 10). */
  ttl?: number;
  forward?: ForwardOptions;
  /** Told when the worker died (it is restarted with every server and record) or a restart failed. */
  onError?: (error: Error) => void;
}

export interface ServeNetworkOptions {
  network: string;
  /** The network's gateway address. */
  address: string;
  /** Default 53. */
  port?: number;
  /** This network's upstreams instead of the default ones; `[]` for an internal network (NXDOMAIN, no egress). */
  upstreams?: readonly string[];
}

type OkReply = DnsWorkerReply & { ok: true };
type PendingReply = { resolve: (reply: OkReply) => void; reject: (error: Error) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class EmbeddedDns {
  private nextId = 1;
  private readonly pending = new Map<number, PendingReply>();
  /** What the worker holds, kept here so a new worker can be given all of it. */
  private readonly served = new Map<string, ServeNetworkRequest>();
  private readonly endpoints = new Map<string, DnsEndpoint>();
  private worker!: Worker;
  /** Settles once the current worker is ready; requests wait for it. */
  private ready: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly upstreams: Upstream[],
    private readonly options: EmbeddedDnsOptions,
  ) {}

  /** Start the worker thread; no socket is opened until `serveNetwork`. */
  static async start(options: EmbeddedDnsOptions = {}): Promise<EmbeddedDns> {
    const upstreams = parseUpstreams(options.upstreams ?? (await readHostUpstreams()));
    const dns = new EmbeddedDns(upstreams, options);
    dns.ready = dns.launch();
    await dns.ready;
    return dns;
  }

  /** Open UDP and TCP sockets for `network` on its gateway; resolves with the bound port. */
  async serveNetwork(options: ServeNetworkOptions): Promise<number> {
    const upstreams = options.upstreams === undefined ? this.upstreams : parseUpstreams(options.upstreams);
    const request: ServeNetworkRequest = {
      network: options.network,
      address: options.address,
      port: options.port ?? 53,
      upstreams,
      ttl: this.options.ttl,
      forward: this.options.forward,
    };
    const reply = await this.request({ op: 'serve', request });
    const port = reply.port ?? 0;
    // A restarted worker binds the same port again, even when 0 (any) was asked for.
    this.served.set(options.network, { ...request, port });
    return port;
  }

  /** Close `network`'s sockets and forget its records. */
  async stopServingNetwork(network: string): Promise<void> {
    this.served.delete(network);
    for (const [key, endpoint] of this.endpoints) if (endpoint.network === network) this.endpoints.delete(key);
    await this.request({ op: 'unserve', network });
  }

  /** Names of `endpoint` resolve once this resolves. */
  async addEndpoint(endpoint: DnsEndpoint): Promise<void> {
    const copy = { ...endpoint };
    this.endpoints.set(endpointKey(copy), copy);
    await this.request({ op: 'add', endpoint: copy });
  }

  /** Names of the endpoint stop resolving once this resolves. */
  async removeEndpoint(key: EndpointKey): Promise<void> {
    this.endpoints.delete(endpointKey(key));
    await this.request({ op: 'remove', key: { network: key.network, containerId: key.containerId } });
  }

  /** Close every socket and end the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.request({ op: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }

  /** Start a worker, wait for its hello, and give it every server and record this handle holds. */
  private async launch(): Promise<void> {
    const worker = startWorker();
    this.worker = worker;
    // The worker says `{id: 0}` once its handler is attached. (Never removeAllListeners on a Worker:
    // Node keeps its own listeners there.)
    await new Promise<void>((resolve, reject) => {
      const failStart = (error: Error) => reject(error);
      const exitStart = (code: number) => reject(new SystemError(`DNS worker exited during start (code ${code})`, 'start dns worker'));
      worker.once('message', () => {
        worker.off('error', failStart);
        worker.off('exit', exitStart);
        resolve();
      });
      worker.once('error', failStart);
      worker.once('exit', exitStart);
    });
    worker.on('message', (reply: DnsWorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.lost(worker, new SystemError(`DNS worker crashed: ${error.message}`, 'dns worker', undefined, { cause: error })));
    worker.on('exit', (code) => this.lost(worker, new SystemError(`DNS worker exited (code ${code})`, 'dns worker')));
    const replay = [
      ...[...this.served.values()].map((request) => this.post({ op: 'serve', request })),
      ...[...this.endpoints.values()].map((endpoint) => this.post({ op: 'add', endpoint })),
    ];
    // A server that cannot bind again (its address gone) must not keep the other networks down.
    for (const result of await Promise.allSettled(replay)) {
      if (result.status === 'rejected') this.options.onError?.(result.reason instanceof Error ? result.reason : new Error(String(result.reason)));
    }
  }

  private settle(reply: DnsWorkerReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new SystemError(reply.message, reply.operation, reply.code));
  }

  /** The worker is gone: fail what it was doing and, unless we are closing, start another. */
  private lost(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    if (this.closed) return;
    this.options.onError?.(error);
    this.ready = this.launch();
    this.ready.catch((restartError: unknown) => {
      this.options.onError?.(restartError instanceof Error ? restartError : new Error(String(restartError)));
    });
  }

  private async request(message: DistributiveOmit<DnsWorkerRequest, 'id'>): Promise<OkReply> {
    if (this.closed) throw new SystemError('the embedded DNS is closed', 'dns request');
    await this.ready;
    return this.post(message);
  }

  private post(message: DistributiveOmit<DnsWorkerRequest, 'id'>): Promise<OkReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** For tests of the restart: end the worker as a crash would. */
  async crashWorkerForTest(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Built, the worker is a .js sibling. Run from source (tests, bench) it is .ts: the worker registers
 * tsx's loader itself, since a worker does not always inherit the parent's (`tsx file` does not pass it).
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./dns-worker.js', import.meta.url));
  const entry = new URL('./dns-worker.ts', import.meta.url).href;
  const loader = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(loader)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true });
}

function endpointKey(key: EndpointKey): string {
  return `${key.network}\u0000${key.containerId}`;
}

function parseUpstreams(texts: readonly string[]): Upstream[] {
  return texts.map((text) => {
    const upstream = parseUpstream(text);
    if (!upstream) throw new SystemError(`not a DNS server address: ${JSON.stringify(text)} (expected ip or ip:port)`, 'configure dns');
    return upstream;
  });
}
