// Test helpers for network namespaces: run a command inside one (nsenter), start a server there, list leftovers.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';

const execFileAsync = promisify(execFile);

export interface CommandResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Run `busybox <args>` inside the netns bound at nsPath; never throws, so tests can assert failure too. */
export async function inNetns(nsPath: string, args: string[], timeoutMs = 5000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync('nsenter', [`--net=${nsPath}`, '/bin/busybox', ...args], { timeout: timeoutMs });
    return { ok: true, stdout, stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/**
 * Start a tiny HTTP server answering `body` on `port` inside the netns (Node under nsenter: busybox httpd's forked
 * handler crashes with this static busybox). Killed by pid in the test's teardown.
 */
export async function startHttpServer(t: ExecutionContext, nsPath: string, port: number, body: string): Promise<void> {
  const script = `require('node:http').createServer((q, s) => s.end(${JSON.stringify(body)})).listen(${port}, () => console.log('up'))`;
  const child = spawn('nsenter', [`--net=${nsPath}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`http server in ${nsPath} exited with ${code}`)));
  });
}

/**
 * GET / from host:port inside the netns with `busybox nc` (this static busybox's wget crashes inside a fresh netns);
 * returns the body, or undefined when nothing answered within the timeout.
 */
export async function httpGetInNetns(nsPath: string, host: string, port: number, timeoutSeconds = 2): Promise<string | undefined> {
  const child = spawn('nsenter', [`--net=${nsPath}`, '/bin/busybox', 'nc', '-w', String(timeoutSeconds), host, String(port)], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end('GET / HTTP/1.0\r\n\r\n');
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const split = output.indexOf('\r\n\r\n');
  return code === 0 && split >= 0 ? output.slice(split + 4) : undefined;
}

/** Interface names on the host that contain one of the fragments. */
/** Host links whose name contains a fragment, or that hold an address containing one (`'10.240.12.'`). */
export async function hostLinksMatching(fragments: readonly string[]): Promise<string[]> {
  const [links, addresses] = await Promise.all([execFileAsync('ip', ['-o', 'link', 'show']), execFileAsync('ip', ['-o', 'addr', 'show'])]);
  const byName = links.stdout
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter((name) => name && fragments.some((fragment) => name.includes(fragment)));
  // `ip -o addr` lines: "<index>: <name> inet <address>/<prefix> ...".
  const byAddress = addresses.stdout
    .split('\n')
    .filter((line) => fragments.some((fragment) => line.includes(` ${fragment}`)))
    .map((line) => line.split(/\s+/)[1] ?? '')
    .filter(Boolean);
  return [...new Set([...byName, ...byAddress])];
}

export async function nftTablesMatching(fragments: readonly string[]): Promise<string[]> {
  const { stdout } = await execFileAsync('/usr/sbin/nft', ['list', 'tables']);
  return stdout.split('\n').filter((line) => line && fragments.some((fragment) => line.includes(fragment)));
}
