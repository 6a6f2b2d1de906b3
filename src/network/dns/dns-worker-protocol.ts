// Messages between the engine's thread and the DNS worker: requests carry an id, every reply names it.
import type { DnsEndpoint, EndpointKey } from './record-table.js';
import type { ForwardOptions, Upstream } from './upstream-forwarder.js';

export interface ServeNetworkRequest {
  network: string;
  address: string;
  port: number;
  upstreams: Upstream[];
  ttl?: number | undefined;
  forward?: ForwardOptions | undefined;
}

export type DnsWorkerRequest =
  | { id: number; op: 'serve'; request: ServeNetworkRequest }
  | { id: number; op: 'unserve'; network: string }
  | { id: number; op: 'add'; endpoint: DnsEndpoint }
  | { id: number; op: 'remove'; key: EndpointKey }
  | { id: number; op: 'close' };

export type DnsWorkerReply =
  | { id: number; ok: true; port?: number }
  | { id: number; ok: false; message: string; operation: string; code: string | undefined };
