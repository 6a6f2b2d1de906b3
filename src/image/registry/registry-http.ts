// HTTP for registry traffic: one keep-alive agent per scheme/CA, timeouts, redirects, errors that name the registry.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { SystemError } from '../../errors.js';

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A buffer, or a stream of bytes (then `content-length` should be set by the caller). */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** CA bundle for https (undefined: Node's default roots). */
  readonly ca?: readonly string[] | undefined;
  /** Follow up to this many redirects (blob GETs land on storage backends); 0 for none. */
  readonly maxRedirects?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The final URL after redirects, to resolve relative `Location` headers against. */
  readonly url: string;
  readonly body: Readable;
}

export interface HttpTimeouts {
  /** Time to get a TCP (and TLS) connection. */
  readonly connectMs: number;
  /** Longest silence while waiting for response headers or body bytes. */
  readonly idleMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 5_000, idleMs: 30_000 };

/** Keep-alive agents shared by the clients of this process: one for http, one per CA bundle for https. */
const agents = new Set<http.Agent>();
const httpsAgents = new WeakMap<readonly string[], https.Agent>();
let httpAgent: http.Agent | undefined;
let defaultHttpsAgent: https.Agent | undefined;
// A few sockets per registry: layers download in parallel, and more only adds contention on loopback.
const MAX_SOCKETS = 8;

function agentFor(url: URL, ca: readonly string[] | undefined): http.Agent {
  if (url.protocol !== 'https:') return (httpAgent ??= remember(new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS })));
  if (ca === undefined) return (defaultHttpsAgent ??= remember(new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS })));
  let agent = httpsAgents.get(ca);
  if (agent === undefined) {
    agent = remember(new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, ca: [...ca] }));
    httpsAgents.set(ca, agent);
  }
  return agent;
}

function remember<T extends http.Agent>(agent: T): T {
  agents.add(agent);
  return agent;
}

/** Close idle keep-alive sockets (tests and short-lived commands call this so the process can exit). */
export function closeIdleRegistryConnections(): void {
  // Only free sockets: other requests of this process (parallel pulls) may be using the busy ones.
  for (const agent of agents) {
    for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Send one request; follow redirects when asked. Network failures become SystemErrors naming the host. */
export async function sendHttp(request: HttpRequest, timeouts: HttpTimeouts = DEFAULT_TIMEOUTS): Promise<HttpResponse> {
  let url = new URL(request.url);
  let headers: Record<string, string> = { ...request.headers };
  for (let hop = 0; ; hop++) {
    let response: HttpResponse;
    try {
      response = await sendOnce(request.method, url, headers, request.body, request.ca, timeouts);
    } catch (error) {
      // A pooled socket the server closed while idle fails at once; a replayable request gets one fresh try.
      const replayable = request.body === undefined || request.body instanceof Uint8Array;
      if (!(error instanceof StaleSocketError) || !replayable) throw error instanceof StaleSocketError ? error.failure : error;
      response = await sendOnce(request.method, url, headers, request.body, request.ca, timeouts).catch((again: unknown) => {
        throw again instanceof StaleSocketError ? again.failure : again;
      });
    }
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || location === undefined || (request.maxRedirects ?? 0) === 0) return response;
    response.body.resume();
    if (hop >= (request.maxRedirects ?? 0)) {
      throw new SystemError(`${url.host} redirected ${request.method} ${url.pathname} more than ${request.maxRedirects} times (last to ${location})`, `${request.method} ${url.host}`, 'TOO_MANY_REDIRECTS');
    }
    const next = new URL(location, url);
    // Credentials are for the registry; a storage backend elsewhere authenticates by its signed URL.
    if (next.host !== url.host) {
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    }
    url = next;
  }
}

function sendOnce(
  method: HttpRequest['method'],
  url: URL,
  headers: Record<string, string>,
  body: HttpRequest['body'],
  ca: readonly string[] | undefined,
  timeouts: HttpTimeouts,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, { method, headers, agent: agentFor(url, ca) });
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      request.destroy();
      reject(describeNetworkError(error, method, url));
    };
    // Idle timeout covers a stalled server; the connect timer covers a host that never answers SYN. It
    // starts when a new socket connects, not while the request waits for a free pooled socket.
    request.setTimeout(timeouts.idleMs, () => fail(new TimeoutError(`no answer within ${timeouts.idleMs} ms`)));
    let connectTimer: NodeJS.Timeout | undefined;
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => fail(new TimeoutError(`no connection within ${timeouts.connectMs} ms`)), timeouts.connectMs);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    request.on('error', (error) => {
      clearTimeout(connectTimer);
      const code = (error as NodeJS.ErrnoException).code;
      if (request.reusedSocket && !settled && (code === 'ECONNRESET' || code === 'EPIPE')) {
        settled = true;
        reject(new StaleSocketError(describeNetworkError(error, method, url)));
        return;
      }
      fail(error);
    });
    request.on('response', (response) => {
      clearTimeout(connectTimer);
      settled = true;
      resolve({ status: response.statusCode ?? 0, headers: response.headers, url: url.toString(), body: response });
    });
    if (body === undefined) request.end();
    else if (body instanceof Uint8Array) request.end(body);
    else {
      void (async () => {
        try {
          for await (const chunk of body) {
            if (request.destroyed) return; // the server answered (or failed) before taking all of it
            if (!request.write(chunk)) {
              await new Promise<void>((done) => {
                request.once('drain', done);
                request.once('close', done);
              });
            }
          }
          request.end();
        } catch (error) {
          fail(error);
        }
      })();
    }
  });
}

/** The request failed on a reused keep-alive socket before any answer: safe to send again on a new one. */
class StaleSocketError extends Error {
  constructor(readonly failure: SystemError) {
    super(failure.message);
  }
}

class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

/** Turn a socket or TLS error into one line a user can act on. */
export function describeNetworkError(error: unknown, method: string, url: URL): SystemError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const host = url.host;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset by the registry',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: message,
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed and not trusted (set BERTH_REGISTRY_CA or add the CA under the certs dir)',
    SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is not trusted (set BERTH_REGISTRY_CA or add the CA under the certs dir)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is not trusted (set BERTH_REGISTRY_CA or add the CA under the certs dir)',
    ERR_TLS_CERT_ALTNAME_INVALID: `its TLS certificate does not name ${url.hostname}`,
    EPROTO: `TLS handshake failed (does it speak plain http? then list it in BERTH_INSECURE_REGISTRIES): ${message}`,
  };
  const reason = (code !== undefined ? reasons[code] : undefined) ?? message;
  return new SystemError(`cannot reach registry ${host}: ${reason}`, `${method} ${url.origin}${url.pathname}`, code, { cause: error });
}

/** Read a whole response body, refusing more than `limit` bytes. */
export async function readBody(response: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw new SizeLimitError(`${what} is ${declared} bytes, more than the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      response.body.destroy();
      throw new SizeLimitError(`${what} is more than the ${limit}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A body larger than the caller allows (an oversized manifest, an error page that never ends). */
export class SizeLimitError extends Error {
  override readonly name = 'SizeLimitError';
}
