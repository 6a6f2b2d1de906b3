// Registry v2 API for one registry host: ping, manifests, blobs, uploads and cross-repository mounts.
import { sha256Digest } from '../blob-store.js';
import { SystemError, UserError } from '../../errors.js';
import type { Descriptor } from '../media-types.js';
import { type CredentialsLookup, dockerConfigCredentials, dockerConfigPath } from './docker-credentials.js';
import { MANIFEST_ACCEPT, MANIFEST_SIZE_LIMIT } from './manifest-document.js';
import { RegistryAuthorizer, repositoryScope } from './registry-auth.js';
import { type RegistryEndpoint, resolveRegistryEndpoint, type TransportPolicy, transportPolicyFromEnv } from './registry-endpoint.js';
import { DEFAULT_TIMEOUTS, type HttpRequest, type HttpResponse, type HttpTimeouts, readBody, sendHttp, SizeLimitError } from './registry-http.js';

export interface RegistryClientOptions {
  readonly policy?: TransportPolicy;
  readonly credentials?: CredentialsLookup;
  readonly timeouts?: HttpTimeouts;
  /** Largest manifest accepted (default 4 MiB). */
  readonly manifestSizeLimit?: number;
}

/** Transport policy and credentials as the environment names them (BERTH_INSECURE_REGISTRIES, ..., DOCKER_CONFIG). */
export function registryOptionsFromEnv(env: Record<string, string | undefined>): RegistryClientOptions {
  return { policy: transportPolicyFromEnv(env), credentials: dockerConfigCredentials(dockerConfigPath(env)) };
}

export interface FetchedManifest {
  readonly bytes: Buffer;
  /** The Content-Type the registry served. */
  readonly contentType: string | undefined;
  /** sha256 of the bytes, checked against the reference's digest and Docker-Content-Digest. */
  readonly digest: string;
}

export interface UploadOptions {
  /** Upload in PATCH chunks of this many bytes; monolithic (one PUT) when undefined. */
  readonly chunkSize?: number;
  /** Counts bytes as they are sent. */
  readonly onBytes?: (bytes: number) => void;
}

interface ClientRequest {
  readonly method: HttpRequest['method'];
  /** A path under the registry (`/v2/...`) or an absolute URL (upload locations). */
  readonly target: string;
  readonly scopes: readonly string[];
  readonly headers?: Record<string, string>;
  readonly body?: HttpRequest['body'];
  readonly maxRedirects?: number;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/** A client for one registry host. Create with `RegistryClient.connect`. */
export class RegistryClient {
  private constructor(
    readonly endpoint: RegistryEndpoint,
    private readonly authorizer: RegistryAuthorizer,
    private readonly timeouts: HttpTimeouts,
    private readonly manifestSizeLimit: number,
  ) {}

  static async connect(host: string, options: RegistryClientOptions = {}): Promise<RegistryClient> {
    const endpoint = await resolveRegistryEndpoint(host, options.policy ?? transportPolicyFromEnv());
    const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    const authorizer = new RegistryAuthorizer(host, options.credentials ?? dockerConfigCredentials(), endpoint.ca, timeouts);
    return new RegistryClient(endpoint, authorizer, timeouts, options.manifestSizeLimit ?? MANIFEST_SIZE_LIMIT);
  }

  get host(): string {
    return this.endpoint.host;
  }

  /** `GET /v2/`: reachable, speaks v2, and (after any challenge) accepts our credentials. */
  async ping(): Promise<void> {
    const response = await this.send({ method: 'GET', target: '/v2/', scopes: [] });
    await this.expect(response, [200], 'GET /v2/');
    response.body.resume();
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const what = `${this.host}/${repository}:${reference}`;
    const response = await this.send({
      method: 'GET',
      target: `/v2/${repository}/manifests/${reference}`,
      scopes: [repositoryScope(repository, 'pull')],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (response.status === 404) {
      response.body.resume();
      throw new UserError(`manifest ${what} not found`, { hint: 'check the repository name and tag' });
    }
    await this.expect(response, [200], `GET manifest ${what}`);
    let bytes: Buffer;
    try {
      bytes = await readBody(response, this.manifestSizeLimit, `the manifest of ${what}`);
    } catch (error) {
      if (error instanceof SizeLimitError) throw new UserError(`${error.message}; refusing it`, { hint: 'a registry serving such a manifest is broken or hostile' });
      throw this.transferError(error, `manifest ${what}`);
    }
    const digest = sha256Digest(bytes);
    const served = header(response, 'docker-content-digest');
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new UserError(`the manifest served for ${this.host}/${repository}@${reference} has digest ${digest}`, { hint: 'the registry or something between serves wrong content' });
    }
    if (served !== undefined && served.startsWith('sha256:') && served !== digest) {
      throw new UserError(`the manifest of ${what} has digest ${digest} but the registry announced ${served}`);
    }
    return { bytes, contentType: header(response, 'content-type'), digest };
  }

  /** PUT a manifest under a tag or digest; resolves to its digest. */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const response = await this.send({
      method: 'PUT',
      target: `/v2/${repository}/manifests/${reference}`,
      scopes: [repositoryScope(repository, 'pull,push')],
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: bytes,
    });
    await this.expect(response, [201, 200], `PUT manifest ${this.host}/${repository}:${reference}`);
    response.body.resume();
    return sha256Digest(bytes);
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.send({ method: 'HEAD', target: `/v2/${repository}/blobs/${digest}`, scopes: [repositoryScope(repository, 'pull')], maxRedirects: 5 });
    response.body.resume();
    if (response.status === 404) return false;
    await this.expect(response, [200], `HEAD blob ${digest}`);
    return true;
  }

  async hasManifest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.send({
      method: 'HEAD',
      target: `/v2/${repository}/manifests/${reference}`,
      scopes: [repositoryScope(repository, 'pull')],
      headers: { accept: MANIFEST_ACCEPT },
    });
    response.body.resume();
    if (response.status === 404) return undefined;
    await this.expect(response, [200], `HEAD manifest ${reference}`);
    return header(response, 'docker-content-digest') ?? '';
  }

  /**
   * Stream a blob, following redirects. The stream fails with a clear error when the registry sends
   * fewer or more bytes than the descriptor says; the digest is checked by whoever stores it.
   */
  async fetchBlob(repository: string, descriptor: Pick<Descriptor, 'digest' | 'size'>, onBytes?: (bytes: number) => void): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.send({
      method: 'GET',
      target: `/v2/${repository}/blobs/${descriptor.digest}`,
      scopes: [repositoryScope(repository, 'pull')],
      maxRedirects: 5,
    });
    if (response.status === 404) {
      response.body.resume();
      throw new UserError(`blob ${descriptor.digest} of ${this.host}/${repository} not found in the registry`, { hint: 'the image in the registry is incomplete' });
    }
    await this.expect(response, [200], `GET blob ${descriptor.digest}`);
    const declared = Number(header(response, 'content-length') ?? NaN);
    if (Number.isFinite(declared) && declared !== descriptor.size) {
      response.body.destroy();
      throw new UserError(`blob ${descriptor.digest} of ${this.host}/${repository} is ${declared} bytes, the manifest says ${descriptor.size}`, {
        hint: 'the registry serves other content than the image names; nothing of it was kept (push the image again?)',
      });
    }
    return this.checkedLength(response, repository, descriptor, onBytes);
  }

  private async *checkedLength(
    response: HttpResponse,
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    onBytes: ((bytes: number) => void) | undefined,
  ): AsyncIterable<Uint8Array> {
    let received = 0;
    const what = `blob ${descriptor.digest} of ${this.host}/${repository}`;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > descriptor.size) throw new UserError(`${what} is longer than the ${descriptor.size} bytes the manifest says`, { hint: 'the registry serves other content than the image names; nothing of it was kept' });
        onBytes?.(chunk.length);
        yield chunk;
      }
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new SystemError(`download of ${what} was truncated: ${received} of ${descriptor.size} bytes arrived (${messageOf(error)})`, 'pull', codeOf(error), { cause: error });
    } finally {
      // A consumer that stopped early (a failed write) must not leave the socket half-read.
      if (!response.body.readableEnded) response.body.destroy();
    }
    if (received < descriptor.size) {
      throw new SystemError(`download of ${what} was truncated: ${received} of ${descriptor.size} bytes arrived`, 'pull', 'ETRUNCATED');
    }
  }

  /** Try a cross-repository mount; resolves true when the registry linked the blob without an upload. */
  async mountBlob(repository: string, digest: string, from: string): Promise<{ mounted: true } | { mounted: false; location: string }> {
    const query = new URLSearchParams({ mount: digest, from });
    const response = await this.send({
      method: 'POST',
      target: `/v2/${repository}/blobs/uploads/?${query.toString()}`,
      scopes: [repositoryScope(repository, 'pull,push'), repositoryScope(from, 'pull')],
      headers: { 'content-length': '0' },
    });
    response.body.resume();
    if (response.status === 201) return { mounted: true };
    // 202: the registry could not mount and opened an ordinary upload session instead.
    await this.expect(response, [202], `mount ${digest} from ${from}`);
    return { mounted: false, location: this.location(response) };
  }

  /** Open an upload session; resolves to its location URL. */
  async startUpload(repository: string): Promise<string> {
    const response = await this.send({
      method: 'POST',
      target: `/v2/${repository}/blobs/uploads/`,
      scopes: [repositoryScope(repository, 'pull,push')],
      headers: { 'content-length': '0' },
    });
    response.body.resume();
    await this.expect(response, [202], `start upload to ${this.host}/${repository}`);
    return this.location(response);
  }

  /** Upload a blob into an open session (monolithic PUT, or PATCH chunks then PUT). */
  async uploadBlob(
    repository: string,
    location: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    data: AsyncIterable<Uint8Array>,
    options: UploadOptions = {},
  ): Promise<void> {
    const scopes = [repositoryScope(repository, 'pull,push')];
    await this.authorizer.ensureToken(scopes);
    const what = `upload of ${descriptor.digest} to ${this.host}/${repository}`;
    let next = location;
    if (options.chunkSize !== undefined) {
      let offset = 0;
      for await (const chunk of rechunk(data, options.chunkSize)) {
        const response = await this.send({
          method: 'PATCH',
          target: next,
          scopes,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(chunk.length), 'content-range': `${offset}-${offset + chunk.length - 1}` },
          body: chunk,
        });
        response.body.resume();
        await this.expect(response, [202], what);
        next = this.location(response);
        offset += chunk.length;
        options.onBytes?.(chunk.length);
      }
      const response = await this.send({ method: 'PUT', target: withDigest(next, descriptor.digest), scopes, headers: { 'content-length': '0' } });
      response.body.resume();
      await this.expect(response, [201, 204], what);
      return;
    }
    const counted = options.onBytes === undefined ? data : countBytes(data, options.onBytes);
    const response = await this.send({
      method: 'PUT',
      target: withDigest(next, descriptor.digest),
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
      body: counted,
    });
    response.body.resume();
    await this.expect(response, [201, 204], what);
  }

  /** Send with whatever auth is known; on a 401 answer the challenge and send once more. */
  private async send(request: ClientRequest): Promise<HttpResponse> {
    const first = await this.sendOnce(request);
    if (first.status !== 401) return first;
    first.body.resume();
    if (request.body !== undefined && !(request.body instanceof Uint8Array)) {
      throw new SystemError(`registry ${this.host} asked for authentication in the middle of an upload`, `${request.method} ${request.target}`);
    }
    await this.authorizer.answerChallenge(header(first, 'www-authenticate'), request.scopes);
    const second = await this.sendOnce(request);
    if (second.status === 401) {
      second.body.resume();
      throw await this.authorizer.rejected(header(second, 'www-authenticate'));
    }
    return second;
  }

  private sendOnce(request: ClientRequest): Promise<HttpResponse> {
    const url = request.target.startsWith('/') ? `${this.endpoint.baseUrl}${request.target}` : request.target;
    const headers: Record<string, string> = { 'user-agent': 'berth', ...request.headers };
    const authorization = this.authorizer.headerFor(request.scopes);
    if (authorization !== undefined) headers['authorization'] = authorization;
    return sendHttp(
      { method: request.method, url, headers, body: request.body, ca: this.endpoint.ca, ...(request.maxRedirects !== undefined ? { maxRedirects: request.maxRedirects } : {}) },
      this.timeouts,
    );
  }

  /** Throw a clear error unless the status is one of `ok`. */
  private async expect(response: HttpResponse, ok: readonly number[], what: string): Promise<void> {
    if (ok.includes(response.status)) return;
    let detail = '';
    try {
      detail = registryErrorText(await readBody(response, ERROR_BODY_LIMIT, 'error body'));
    } catch {
      // the status alone must do
    }
    const suffix = detail !== '' ? `: ${detail}` : '';
    if (response.status === 403) {
      throw new UserError(`registry ${this.host} denied ${what}${suffix}`, { hint: `the account lacks permission; check it or run: berth login ${this.host}` });
    }
    if (response.status === 404 && what === 'GET /v2/') {
      throw new UserError(`${this.host} does not serve the registry v2 API at /v2/`);
    }
    throw new SystemError(`registry ${this.host} answered ${response.status}${suffix}`, what, `HTTP_${response.status}`);
  }

  private location(response: HttpResponse): string {
    const location = header(response, 'location');
    if (location === undefined) throw new SystemError(`registry ${this.host} opened an upload without a Location header`, 'push');
    return new URL(location, response.url).toString();
  }

  private transferError(error: unknown, what: string): Error {
    if (error instanceof UserError || error instanceof SystemError) return error;
    return new SystemError(`reading ${what} from ${this.host} failed: ${messageOf(error)}`, 'pull', codeOf(error), { cause: error });
  }
}


function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** `{"errors":[{"code":"DENIED","message":"..."}]}` → `DENIED: ...`; other bodies shortened. */
function registryErrorText(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    if (Array.isArray(parsed.errors)) return parsed.errors.map((e) => `${String(e.code ?? '')}: ${String(e.message ?? '')}`).join('; ');
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200);
}

async function* rechunk(data: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of data) {
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    pendingBytes += chunk.byteLength;
    while (pendingBytes >= size) {
      const all = Buffer.concat(pending);
      yield all.subarray(0, size);
      pending = [all.subarray(size)];
      pendingBytes = all.length - size;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

async function* countBytes(data: AsyncIterable<Uint8Array>, onBytes: (bytes: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of data) {
    onBytes(chunk.byteLength);
    yield chunk;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
