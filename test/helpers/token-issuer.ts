// A registry token service for tests: issues ES256 JWTs (x5c header) that docker-registry's `auth.token` trusts.
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { makeSelfSignedCertificate, type TokenAuthConfig } from './registry-server.js';

export interface TokenIssuerOptions {
  /** Users and passwords the issuer accepts with Basic auth; anyone else gets a token granting nothing. */
  readonly users: Readonly<Record<string, string>>;
  /** Users granted only `pull`, whatever they ask for. */
  readonly readOnlyUsers?: readonly string[];
  /** Grant pulls to anonymous callers (default false). */
  readonly anonymousPull?: boolean;
  readonly service?: string;
  readonly issuer?: string;
}

export interface StartedTokenIssuer {
  /** What to put under the registry's `auth.token`. */
  readonly config: TokenAuthConfig;
  /** Each token request: the scopes asked and the account (undefined when anonymous). */
  readonly requests: { scopes: string[]; account: string | undefined }[];
}

/** Start a token issuer on 127.0.0.1 with its own signing key and certificate in `dir`; closed in teardown. */
export async function startTokenIssuer(t: ExecutionContext, dir: string, options: TokenIssuerOptions): Promise<StartedTokenIssuer> {
  const service = options.service ?? 'berth-test-registry';
  const issuer = options.issuer ?? 'berth-test-issuer';
  const { certFile, keyFile } = makeSelfSignedCertificate(dir, 'token-signer', 'berth-token-issuer');
  const key = createPrivateKey(readFileSync(keyFile));
  const certificateDer = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
  const requests: StartedTokenIssuer['requests'] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://issuer');
    if (url.pathname !== '/token') {
      response.writeHead(404).end();
      return;
    }
    const account = basicUser(request.headers.authorization, options.users);
    if (account === null) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"invalid credentials"}');
      return;
    }
    const scopes = url.searchParams.getAll('scope');
    requests.push({ scopes, account });
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = splitScope(scope);
      if (type !== 'repository' || name === undefined || actions === undefined) return [];
      const pullOnly = account === undefined ? options.anonymousPull === true : options.readOnlyUsers?.includes(account) === true;
      const granted = actions.split(',').filter((action) => (account !== undefined && !pullOnly) || (pullOnly && action === 'pull'));
      return granted.length > 0 ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certificateDer] };
    const claims = { iss: issuer, sub: account ?? '', aud: url.searchParams.get('service') ?? service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    // JWS ES256 wants r||s, not DER.
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${signature.toString('base64url')}`;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return { config: { realm: `http://127.0.0.1:${port}/token`, service, issuer, rootCertBundle: certFile }, requests };
}

/** The Basic user when the password matches, undefined without a header, null for wrong credentials. */
function basicUser(header: string | undefined, users: Readonly<Record<string, string>>): string | undefined | null {
  if (header === undefined) return undefined;
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : null;
}

/** `repository:team/app:pull,push` → type, name, actions. */
function splitScope(scope: string): [string | undefined, string | undefined, string | undefined] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return [undefined, undefined, undefined];
  return [scope.slice(0, first), scope.slice(first + 1, last), scope.slice(last + 1)];
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
