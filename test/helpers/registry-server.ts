// Debian's docker-registry on loopback for tests: anonymous, htpasswd over TLS, or token auth; stopped by pid in teardown.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface TokenAuthConfig {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file with the certificate whose key signs the tokens. */
  readonly rootCertBundle: string;
}

export interface RegistryServerOptions {
  /** Listen address; 127.0.0.1 by default. A TLS registry uses 127.0.0.2 so berth's loopback-is-http rule does not apply. */
  readonly address?: string;
  /** Serve TLS with a fresh self-signed certificate for the address. */
  readonly tls?: boolean;
  /** htpasswd basic auth with these users (bcrypt hashes made with perl's crypt, i.e. libxcrypt). */
  readonly htpasswdUsers?: Readonly<Record<string, string>>;
  readonly token?: TokenAuthConfig;
}

export interface StartedRegistry {
  /** `address:port`, as an image reference's domain. */
  readonly host: string;
  /** `http://host` or `https://host`. */
  readonly url: string;
  /** The self-signed CA certificate (PEM file) when serving TLS. */
  readonly caFile: string | undefined;
  readonly storageDir: string;
  readonly pid: number;
  /** The registry's own log (stdout and stderr). */
  readonly logFile: string;
}

/** Start a registry for this test; it is stopped (by pid) and its files removed in the test's teardown. */
export async function startRegistry(t: ExecutionContext, options: RegistryServerOptions = {}): Promise<StartedRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-registry-'));
  const running: { child?: ChildProcess } = {};
  t.teardown(async () => {
    if (running.child !== undefined) await stopProcess(running.child);
    rmSync(dir, { recursive: true, force: true });
  });
  const address = options.address ?? (options.tls ? '127.0.0.2' : '127.0.0.1');
  const port = await freePort(address);
  const host = `${address}:${port}`;
  const storageDir = path.join(dir, 'storage');
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  let caFile: string | undefined;
  if (options.tls) {
    const cert = makeSelfSignedCertificate(dir, 'registry', address);
    caFile = cert.certFile;
    lines.push('  tls:', `    certificate: ${cert.certFile}`, `    key: ${cert.keyFile}`);
  }
  if (options.htpasswdUsers !== undefined) {
    const file = path.join(dir, 'htpasswd');
    writeFileSync(file, Object.entries(options.htpasswdUsers).map(([user, password]) => `${user}:${bcryptHash(password)}\n`).join(''));
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${file}`);
  } else if (options.token !== undefined) {
    const { realm, service, issuer, rootCertBundle } = options.token;
    lines.push('auth:', '  token:', `    realm: ${realm}`, `    service: ${service}`, `    issuer: ${issuer}`, `    rootcertbundle: ${rootCertBundle}`);
  }
  const configFile = path.join(dir, 'config.yml');
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  const logFile = path.join(dir, 'registry.log');
  const log = openSync(logFile, 'a');
  // Files, not pipes, for its output: a child holding our pipes would keep this process alive.
  const started = spawn(REGISTRY_BINARY, ['serve', configFile], { stdio: ['ignore', log, log] });
  running.child = started;
  closeSync(log);
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  await waitForRegistry(url, started, logFile);
  return { host, url, caFile, storageDir, pid: started.pid ?? -1, logFile };
}

/** A free TCP port on `address` (bound and released; good enough on a test machine). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const bound = server.address();
      server.close(() => (typeof bound === 'object' && bound !== null ? resolve(bound.port) : reject(new Error('no port'))));
    });
  });
}

/** An EC P-256 key and a self-signed certificate naming `address` (IP or DNS) in its subjectAltName. */
export function makeSelfSignedCertificate(dir: string, name: string, address: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  const san = net.isIP(address) ? `IP:${address}` : `DNS:${address}`;
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${address}`, '-addext', `subjectAltName=${san}`,
  ], { stdio: 'ignore' });
  return { certFile, keyFile };
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A bcrypt hash (`$2b$`) as htpasswd -B makes, through perl's crypt(3): Debian's libxcrypt does bcrypt,
 * and perl-base is always installed, so no apache2-utils and no npm package is needed.
 */
export function bcryptHash(password: string): string {
  const bytes = randomBytes(22);
  let salt = '';
  for (let i = 0; i < 21; i++) salt += BCRYPT_ALPHABET[(bytes[i] ?? 0) % 64];
  salt += '.Oeu'[(bytes[21] ?? 0) % 4]; // the 22nd character carries only 2 bits
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
  if (!hash.startsWith('$2b$05$') || hash.length !== 60) throw new Error(`crypt(3) did not make a bcrypt hash: ${hash}`);
  return hash;
}

async function waitForRegistry(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`docker-registry exited at start:\n${readFileSync(logFile, 'utf8')}`);
    const status = await probe(`${url}/v2/`);
    if (status === 200 || status === 401) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer on ${url} within 10 s:\n${readFileSync(logFile, 'utf8')}`);
}

function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(url, { rejectUnauthorized: false, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.setTimeout(1000, () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
