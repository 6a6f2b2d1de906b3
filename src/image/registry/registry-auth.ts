// Registry authorization: Basic credentials or Bearer tokens fetched from the challenge's realm, cached per scope.
import { UserError } from '../../errors.js';
import type { CredentialsLookup, RegistryCredentials } from './docker-credentials.js';
import { type HttpTimeouts, readBody, sendHttp } from './registry-http.js';
import { type AuthChallenge, parseWwwAuthenticate } from './www-authenticate.js';

interface CachedToken {
  readonly header: string;
  /** ms since the epoch; a token is renewed a little before. */
  readonly expiresAt: number;
}

const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
const DEFAULT_TOKEN_LIFETIME_S = 60;
const EXPIRY_MARGIN_MS = 5_000;

/** `repository:team/app:pull` — the scope string of the token protocol. */
export function repositoryScope(repository: string, actions: 'pull' | 'pull,push'): string {
  return `repository:${repository}:${actions}`;
}

/** Keeps what one registry host asked for and the tokens it granted, so most requests carry auth up front. */
export class RegistryAuthorizer {
  /** Basic: one header for everything; undefined until the registry asked for it. */
  private basicHeader: string | undefined;
  private bearer: AuthChallenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private credentials: RegistryCredentials | undefined | null = null; // null: not looked up yet

  constructor(
    private readonly host: string,
    private readonly lookup: CredentialsLookup,
    private readonly ca: readonly string[] | undefined,
    private readonly timeouts: HttpTimeouts,
  ) {}

  /** The Authorization header to send for these scopes, when one is already known. */
  headerFor(scopes: readonly string[]): string | undefined {
    if (this.basicHeader !== undefined) return this.basicHeader;
    const cached = this.tokens.get(scopeKey(scopes));
    return cached !== undefined && cached.expiresAt > Date.now() ? cached.header : undefined;
  }

  /** The user name the credentials carry (for messages), if any. */
  async username(): Promise<string | undefined> {
    return (await this.getCredentials())?.username;
  }

  /**
   * Answer a 401: take the challenge, get what it asks for (credentials or a token for these scopes).
   * Throws a UserError when nothing we have can satisfy it.
   */
  async answerChallenge(wwwAuthenticate: string | undefined, scopes: readonly string[]): Promise<void> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate ?? '');
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    if (bearer !== undefined && bearer.params['realm'] !== undefined) {
      this.bearer = bearer;
      const wanted = [...scopes];
      const asked = bearer.params['scope'];
      for (const scope of asked?.split(' ') ?? []) if (scope !== '' && !wanted.includes(scope)) wanted.push(scope);
      const token = await this.fetchToken(bearer, wanted);
      this.tokens.set(scopeKey(scopes), token);
      return;
    }
    if (challenges.some((challenge) => challenge.scheme === 'basic')) {
      const credentials = await this.getCredentials();
      if (credentials === undefined) throw this.needsLogin();
      this.basicHeader = basicHeader(credentials);
      return;
    }
    throw new UserError(`registry ${this.host} asked for authentication berth does not support: "${wwwAuthenticate ?? ''}"`, {
      hint: 'berth supports Basic and Bearer token authentication',
    });
  }

  /** Get a token for scopes before a request whose body cannot be replayed (streamed uploads). */
  async ensureToken(scopes: readonly string[]): Promise<void> {
    if (this.bearer === undefined || this.headerFor(scopes) !== undefined) return;
    this.tokens.set(scopeKey(scopes), await this.fetchToken(this.bearer, [...scopes]));
  }

  /** The error for a registry that still says 401 after we answered its challenge. */
  async rejected(wwwAuthenticate: string | undefined): Promise<UserError> {
    const credentials = await this.getCredentials();
    if (credentials === undefined) return this.needsLogin();
    const bearer = parseWwwAuthenticate(wwwAuthenticate ?? '').find((challenge) => challenge.scheme === 'bearer');
    if (bearer?.params['error'] === 'insufficient_scope') {
      // The token service accepted the user but granted less than asked: a permission, not a password, problem.
      return new UserError(`registry ${this.host} denied user "${credentials.username}" access to ${bearer.params['scope'] ?? 'the repository'}`, {
        hint: 'the account lacks permission for this repository',
      });
    }
    return new UserError(`registry ${this.host} rejected the credentials of user "${credentials.username}"`, {
      hint: `check the user name and password, then run: berth login ${this.host}`,
    });
  }

  private needsLogin(): UserError {
    return new UserError(`registry ${this.host} requires authentication and no credentials are stored for it`, {
      hint: `run: berth login ${this.host}`,
    });
  }

  private async getCredentials(): Promise<RegistryCredentials | undefined> {
    if (this.credentials === null) this.credentials = await this.lookup(this.host);
    return this.credentials;
  }

  private async fetchToken(challenge: AuthChallenge, scopes: readonly string[]): Promise<CachedToken> {
    const realm = challenge.params['realm'] ?? '';
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new UserError(`registry ${this.host} named an invalid token realm "${realm}"`);
    }
    const service = challenge.params['service'];
    if (service !== undefined) url.searchParams.set('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const credentials = await this.getCredentials();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials !== undefined) {
      headers['authorization'] = basicHeader(credentials);
      url.searchParams.set('account', credentials.username);
    }
    const response = await sendHttp({ method: 'GET', url: url.toString(), headers, ca: this.ca, maxRedirects: 3 }, this.timeouts);
    const body = await readBody(response, TOKEN_RESPONSE_LIMIT, `the token answer of ${url.host}`);
    if (response.status === 401 || response.status === 403) {
      if (credentials === undefined) throw this.needsLogin();
      throw new UserError(`the token service of registry ${this.host} (${url.host}) rejected the credentials of user "${credentials.username}"`, {
        hint: `check the user name and password, then run: berth login ${this.host}`,
      });
    }
    if (response.status !== 200) {
      throw new UserError(`the token service of registry ${this.host} (${url.host}) answered ${response.status}`, { hint: body.toString('utf8').slice(0, 200) });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new UserError(`the token service of registry ${this.host} answered something that is not JSON`);
    }
    const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const token = typeof record['token'] === 'string' ? record['token'] : record['access_token'];
    if (typeof token !== 'string' || token === '') throw new UserError(`the token service of registry ${this.host} answered without a token`);
    const lifetime = typeof record['expires_in'] === 'number' && record['expires_in'] > 0 ? record['expires_in'] : DEFAULT_TOKEN_LIFETIME_S;
    return { header: `Bearer ${token}`, expiresAt: Date.now() + lifetime * 1000 - EXPIRY_MARGIN_MS };
  }
}

function basicHeader(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
