// The engine's handle on the embedded DNS: starts the worker thread and posts servers and records to it.
import { Worker } from 'node:worker_threads';
import { SystemError } from '../../errors.js';
import type { DnsWorkerReply, DnsWorkerRequest } from './dns-worker-protocol.js';
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

type PendingReply = { resolve: (reply: DnsWorkerReply & { ok: true }) => void; reject: (error: Error) => void };

export class EmbeddedDns {
  private nextId = 1;
  private readonly pending = new Map<number, PendingReply>();
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly upstreams: Upstream[],
    private readonly options: EmbeddedDnsOptions,
  ) {
    worker.on('message', (reply: DnsWorkerReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply);
      else waiter.reject(new SystemError(reply.message, reply.operation, reply.code));
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(new SystemError(`DNS worker crashed: ${error.message}`, 'dns worker', undefined, { cause: error })));
    worker.on('exit', (code) => fail(new SystemError(`DNS worker exited (code ${code})`, 'dns worker')));
  }

  /** Start the worker thread; no socket is opened until `serveNetwork`. */
  static async start(options: EmbeddedDnsOptions = {}): Promise<EmbeddedDns> {
    const upstreamTexts = options.upstreams ?? (await readHostUpstreams());
    const upstreams = parseUpstreams(upstreamTexts);
    const worker = startWorker();
    // The worker says `{id: 0}` once its message handler is attached.
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new SystemError(`DNS worker exited during start (code ${code})`, 'start dns worker')));
    });
    return new EmbeddedDns(worker, upstreams, options);
  }

  /** Open UDP and TCP sockets for `network` on its gateway; resolves with the bound port. */
  async serveNetwork(options: ServeNetworkOptions): Promise<number> {
    const upstreams = options.upstreams === undefined ? this.upstreams : parseUpstreams(options.upstreams);
    const reply = await this.request({
      op: 'serve',
      request: { network: options.network, address: options.address, port: options.port ?? 53, upstreams, ttl: this.options.ttl, forward: this.options.forward },
    });
    return reply.port ?? 0;
  }

  /** Close `network`'s sockets and forget its records. */
  async stopServingNetwork(network: string): Promise<void> {
    await this.request({ op: 'unserve', network });
  }

  /** Names of `endpoint` resolve once this resolves. */
  async addEndpoint(endpoint: DnsEndpoint): Promise<void> {
    await this.request({ op: 'add', endpoint: { ...endpoint } });
  }

  /** Names of the endpoint stop resolving once this resolves. */
  async removeEndpoint(key: EndpointKey): Promise<void> {
    await this.request({ op: 'remove', key: { network: key.network, containerId: key.containerId } });
  }

  /** Close every socket and end the worker. */
  async close(): Promise<void> {
    if (!this.failure) await this.request({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private request(message: DistributiveOmit<DnsWorkerRequest, 'id'>): Promise<DnsWorkerReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function parseUpstreams(texts: readonly string[]): Upstream[] {
  return texts.map((text) => {
    const upstream = parseUpstream(text);
    if (!upstream) throw new SystemError(`not a DNS server address: ${JSON.stringify(text)} (expected ip or ip:port)`, 'configure dns');
    return upstream;
  });
}
