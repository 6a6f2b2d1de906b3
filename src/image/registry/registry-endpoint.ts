// Transport policy: which registries speak plain http, and which CA certificates verify the others.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';

/** How berth reaches one registry host. */
export interface RegistryEndpoint {
  /** `host[:port]` as in the image reference (`registry-1.docker.io` for the Hub). */
  readonly host: string;
  /** `http://host` or `https://host`, without a trailing slash. */
  readonly baseUrl: string;
  readonly secure: boolean;
  /** CA certificates (PEM) trusted for this host, the system roots included; undefined for http. */
  readonly ca: readonly string[] | undefined;
}

export interface TransportPolicy {
  /** Hosts (`host` or `host:port`) reached over plain http besides the loopback names. */
  readonly insecureRegistries: readonly string[];
  /** PEM files trusted for every TLS registry, in addition to the system roots. */
  readonly caFiles: readonly string[];
  /** Docker-style per-host directory: `<certsDir>/<host[:port]>/*.crt` are trusted for that host. */
  readonly certsDir: string | undefined;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
export const DEFAULT_CERTS_DIR = '/etc/docker/certs.d';

/**
 * The policy from the environment: `BERTH_INSECURE_REGISTRIES` (comma-separated hosts),
 * `BERTH_REGISTRY_CA` (colon-separated PEM files), `BERTH_REGISTRY_CERTS_DIR` (default /etc/docker/certs.d).
 */
export function transportPolicyFromEnv(env: Record<string, string | undefined> = process.env): TransportPolicy {
  const list = (value: string | undefined, separator: string): string[] =>
    (value ?? '').split(separator).map((item) => item.trim()).filter((item) => item !== '');
  return {
    insecureRegistries: list(env['BERTH_INSECURE_REGISTRIES'], ','),
    caFiles: list(env['BERTH_REGISTRY_CA'], ':'),
    certsDir: env['BERTH_REGISTRY_CERTS_DIR'] || DEFAULT_CERTS_DIR,
  };
}

/** Plain http for `localhost`, `127.0.0.1`, `[::1]` (any port) and hosts in the insecure list; TLS otherwise. */
export function usesPlainHttp(host: string, insecureRegistries: readonly string[]): boolean {
  const hostname = stripPort(host);
  if (LOOPBACK_NAMES.has(hostname)) return true;
  return insecureRegistries.some((entry) => entry === host || entry === hostname);
}

/** Resolve the endpoint of a host: scheme and the CA bundle (read from files once per call). */
export async function resolveRegistryEndpoint(host: string, policy: TransportPolicy): Promise<RegistryEndpoint> {
  if (usesPlainHttp(host, policy.insecureRegistries)) {
    return { host, baseUrl: `http://${host}`, secure: false, ca: undefined };
  }
  const extra: string[] = [];
  for (const file of policy.caFiles) extra.push(await readFile(file, 'utf8'));
  if (policy.certsDir !== undefined) extra.push(...(await readHostCertificates(path.join(policy.certsDir, host))));
  return { host, baseUrl: `https://${host}`, secure: true, ca: extra.length > 0 ? [...rootCertificates, ...extra] : undefined };
}

async function readHostCertificates(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // no per-host directory: the usual case
  }
  const pems: string[] = [];
  for (const name of names.sort()) if (name.endsWith('.crt')) pems.push(await readFile(path.join(dir, name), 'utf8'));
  return pems;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end >= 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.lastIndexOf(':');
  return colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}
