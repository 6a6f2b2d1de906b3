// Registry credentials in Docker's config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`).
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { writeFileAtomic } from '../../state/atomic-write.js';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Where credentials for a host are looked up; undefined means anonymous. */
export type CredentialsLookup = (host: string) => Promise<RegistryCredentials | undefined>;

/** The key Docker uses for Docker Hub in `auths`. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The config file path: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  const dir = env['DOCKER_CONFIG'] || path.join(env['HOME'] || homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** `docker.io` and its aliases map to Docker's Hub key; other hosts are their own key. */
export function authKeyFor(host: string): string {
  return HUB_HOSTS.has(host) ? DOCKER_HUB_AUTH_KEY : host;
}

/** The host part of an `auths` key: keys may carry a scheme and a path (`https://host/v1/`). */
export function hostOfAuthKey(key: string): string {
  if (key === DOCKER_HUB_AUTH_KEY) return 'docker.io';
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '');
  const host = withoutScheme.split('/')[0] ?? '';
  return HUB_HOSTS.has(host) ? 'docker.io' : host;
}

async function readConfig(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not valid JSON`, { hint: 'fix or remove the file, then run berth login again' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError(`${file} does not hold a JSON object`, { hint: 'fix or remove the file, then run berth login again' });
  }
  return parsed as Record<string, unknown>;
}

function authsOf(config: Record<string, unknown>): Record<string, unknown> {
  const auths = config['auths'];
  return typeof auths === 'object' && auths !== null && !Array.isArray(auths) ? (auths as Record<string, unknown>) : {};
}

function decodeEntry(entry: unknown, file: string, key: string): RegistryCredentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const record = entry as Record<string, unknown>;
  if (typeof record['auth'] === 'string' && record['auth'] !== '') {
    const decoded = Buffer.from(record['auth'], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new UserError(`the auth entry for "${key}" in ${file} is not base64 of user:password`, { hint: `run berth login ${hostOfAuthKey(key)} again` });
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof record['username'] === 'string' && typeof record['password'] === 'string') {
    return { username: record['username'], password: record['password'] };
  }
  return undefined;
}

/** The stored credentials for a registry host, or undefined. Credential helpers (`credsStore`) are not consulted. */
export async function readDockerCredentials(host: string, file = dockerConfigPath()): Promise<RegistryCredentials | undefined> {
  const auths = authsOf(await readConfig(file));
  const wanted = hostOfAuthKey(authKeyFor(host));
  const exact = auths[authKeyFor(host)];
  if (exact !== undefined) return decodeEntry(exact, file, authKeyFor(host));
  for (const [key, entry] of Object.entries(auths)) if (hostOfAuthKey(key) === wanted) return decodeEntry(entry, file, key);
  return undefined;
}

/** A lookup reading the config file on each call (it is small, and `berth login` may change it meanwhile). */
export function dockerConfigCredentials(file = dockerConfigPath()): CredentialsLookup {
  return (host) => readDockerCredentials(host, file);
}

/** Store credentials the way `docker login` does: `auths[host].auth = base64(user:password)`, file mode 0600. */
export async function storeDockerCredentials(host: string, credentials: RegistryCredentials, file = dockerConfigPath()): Promise<void> {
  const config = await readConfig(file);
  const auths = { ...authsOf(config) };
  const key = authKeyFor(host);
  for (const other of Object.keys(auths)) if (other !== key && hostOfAuthKey(other) === hostOfAuthKey(key)) delete auths[other];
  const previous = auths[key];
  const kept = typeof previous === 'object' && previous !== null ? { ...(previous as Record<string, unknown>) } : {};
  delete kept['username'];
  delete kept['password'];
  auths[key] = { ...kept, auth: Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64') };
  await writeConfig(file, { ...config, auths });
}

/** Remove a host's credentials; resolves to false when there were none. */
export async function removeDockerCredentials(host: string, file = dockerConfigPath()): Promise<boolean> {
  const config = await readConfig(file);
  const auths = { ...authsOf(config) };
  const wanted = hostOfAuthKey(authKeyFor(host));
  const keys = Object.keys(auths).filter((key) => hostOfAuthKey(key) === wanted);
  if (keys.length === 0) return false;
  for (const key of keys) delete auths[key];
  await writeConfig(file, { ...config, auths });
  return true;
}

async function writeConfig(file: string, config: Record<string, unknown>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // exact, whatever the umask
}
