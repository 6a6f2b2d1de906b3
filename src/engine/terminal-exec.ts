// `berth exec`'s process in a container: stdin forwarded, output streamed, a terminal when asked, detached or privileged (runc exec).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SystemError, UserError } from '../errors.js';
import { hostBoundingCapabilities } from '../runtime/capabilities.js';
import { execExitCode, execProcess } from '../runtime/container-exec.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { RuntimeProcess, RuntimeSpec } from '../runtime/oci-spec.js';

export interface TextSink {
  write(text: string): void;
}

export interface TerminalExecOptions {
  args: string[];
  /** `NAME=value` items added to (and overriding) the container's environment. */
  env?: readonly string[] | undefined;
  /** `user[:group]`; default the container's user. */
  user?: string | undefined;
  workdir?: string | undefined;
  /** Allocate a terminal (runc's own pty, proxied to this process's stdio): needs `stdio: 'inherit'`. */
  tty?: boolean | undefined;
  /** Every capability of the host's bounding set, as `docker exec --privileged` gives. */
  privileged?: boolean | undefined;
  /** Start it and return at once; its output goes nowhere (as `docker exec -d`). */
  detach?: boolean | undefined;
  /**
   * 'inherit': the process reads this process's stdin and writes to its stdout (the CLI in a shell).
   * Sinks: stdin closed, output copied to them (the CLI run in-process, tests).
   */
  stdio: 'inherit' | { stdout: TextSink; stderr: TextSink };
}

/** How long the output pipes may stay open after the command exited (a background child may hold them). */
const PIPE_DRAIN_MS = 200;

/** The exec's process.json: the container's process with the exec's settings (and all capabilities when privileged). */
export function terminalExecProcess(base: RuntimeProcess, options: TerminalExecOptions, passwd: string, group: string): RuntimeProcess {
  const processSpec = execProcess(base, { args: options.args, env: options.env ? [...options.env] : undefined, user: options.user, workdir: options.workdir, tty: options.tty }, passwd, group);
  if (!options.privileged) return processSpec;
  const all = hostBoundingCapabilities();
  return { ...processSpec, capabilities: { ...processSpec.capabilities, bounding: all, effective: all, permitted: all } };
}

/**
 * Runs the command; resolves to its exit code (0 once a detached one started). When it cannot be
 * started, throws an error carrying Docker's exit code (`exitCode`: 127 not found, 126 otherwise).
 */
export async function runTerminalExec(runtime: ContainerRuntime, id: string, options: TerminalExecOptions): Promise<number> {
  if (options.args.length === 0) throw new UserError('exec needs a command', { hint: 'e.g. berth exec web sh' });
  const status = await runtime.inspect(id);
  if (!status) throw new UserError(`no such container: ${id}`, { hint: 'list containers with `berth ps -a`' });
  if (status.state === 'paused') {
    throw new UserError(`container ${status.record.name} is paused, unpause the container before exec`, { hint: 'berth unpause SERVICE' });
  }
  if (status.state !== 'running') throw new UserError(`container ${status.record.name} is not running`, { hint: 'start it with `berth start SERVICE`' });
  const files = runtime.files(id);
  const spec = JSON.parse(await readFile(files.configJson, 'utf8')) as RuntimeSpec;
  const [passwd, group] = (await Promise.all(
    ['etc/passwd', 'etc/group'].map((file) => readFile(path.join(status.record.rootfs, file), 'utf8').catch(() => '')),
  )) as [string, string];
  const tty = options.tty === true && !options.detach && options.stdio === 'inherit';
  const processSpec = terminalExecProcess(spec.process, { ...options, tty }, passwd, group);
  const scratch = await mkdtemp(path.join(tmpdir(), 'berth-exec-'));
  try {
    const processFile = path.join(scratch, 'process.json');
    const logFile = path.join(scratch, 'runc.log');
    await writeFile(processFile, JSON.stringify(processSpec));
    // runc logs its own failure there as JSON (it also prints it on stderr, where berth leaves it out).
    const runcArgs = [
      ...runtime.runc.globalArgs, '--log', logFile, '--log-format', 'json',
      'exec', ...(tty ? ['--tty'] : []), ...(options.detach ? ['--detach'] : []), '--process', processFile, id,
    ];
    const code = options.detach ? await runDetached(runtime.runc.binary, runcArgs) : await runAttached(runtime.runc.binary, runcArgs, options.stdio, logFile);
    if (code === RUNC_FAILED) {
      const failure = await runcFailure(logFile);
      if (failure !== undefined) throw failure;
    }
    return code;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** runc's exit code when it failed itself (the process may exit with it too: the log tells them apart). */
const RUNC_FAILED = 255;

/** The error runc logged, as the error berth reports, carrying Docker's exit code (127 not found, 126 not runnable). */
export function execFailure(message: string, command: string): Error {
  const exitCode = execExitCode(RUNC_FAILED, message);
  const wording = `OCI runtime exec failed: ${message}`;
  if (exitCode === 127) return Object.assign(new UserError(wording, { hint: `no "${command}" in the container's PATH; give its full path, or check the spelling` }), { exitCode });
  if (exitCode === 126) return Object.assign(new UserError(wording, { hint: `"${command}" is there but cannot be run (permissions, format)` }), { exitCode });
  return Object.assign(new SystemError(message, 'runc exec'), { exitCode: 126 });
}

/** The last error-level message in runc's JSON log. */
async function runcLoggedError(logFile: string): Promise<string | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  let message: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if (entry.level === 'error' && typeof entry.msg === 'string') message = entry.msg;
    } catch {
      // Not a JSON line (an empty one at the end).
    }
  }
  return message;
}

/** runc's failure as an error to throw; undefined when runc logged none. */
async function runcFailure(logFile: string): Promise<Error | undefined> {
  const message = await runcLoggedError(logFile);
  if (message === undefined) return undefined;
  const command = /exec: "([^"]*)"/.exec(message)?.[1] ?? '';
  return execFailure(message, command);
}

function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new SystemError(error.message, 'runc exec')));
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? 128 + signalNumber(signal)));
  });
}

/** `runc exec --detach` returns once the process runs; the process's stdio is /dev/null. */
function runDetached(binary: string, args: string[]): Promise<number> {
  return waitForExit(spawn(binary, args, { stdio: 'ignore' }));
}

/**
 * Foreground. Run from a shell ('inherit'), runc gets berth's stdin and stdout and hands them on
 * (it copies through pipes without a terminal, through its pty with one); otherwise output comes
 * through pipes into the sinks. stderr always comes through berth: runc prints its own failure
 * there besides its log, and berth reports that failure itself. Signals sent to berth alone are
 * passed to runc, which passes them to the process; Ctrl-C reaches both already (same process group).
 */
async function runAttached(binary: string, args: string[], stdio: TerminalExecOptions['stdio'], logFile: string): Promise<number> {
  const inherit = stdio === 'inherit';
  const child = spawn(binary, args, { stdio: inherit ? ['inherit', 'inherit', 'pipe'] : ['ignore', 'pipe', 'pipe'] });
  const drained: Promise<void>[] = [];
  if (child.stderr) drained.push(copy(child.stderr, inherit ? (chunk) => void process.stderr.write(chunk) : sinkWriter(stdio.stderr), logFile, !inherit));
  if (child.stdout && !inherit) drained.push(copy(child.stdout, sinkWriter(stdio.stdout), undefined, true));
  const forwarded = ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  const ignore = (): void => undefined;
  if (inherit) {
    process.on('SIGINT', ignore);
    for (const signal of forwarded) process.on(signal, forward);
  }
  try {
    const code = await waitForExit(child);
    // The last output may still be in the pipes; a child the command left running may hold them open.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(drained), new Promise((resolve) => (timer = setTimeout(resolve, PIPE_DRAIN_MS)))]);
    clearTimeout(timer);
    child.stdout?.destroy();
    child.stderr?.destroy();
    return code;
  } finally {
    if (inherit) {
      process.off('SIGINT', ignore);
      for (const signal of forwarded) process.off(signal, forward);
    }
  }
}

function sinkWriter(sink: TextSink): (chunk: Buffer | string) => void {
  return (chunk) => sink.write(chunk.toString());
}

/** runc prints every exec failure as `exec failed: ...` (after logging it). */
const RUNC_FAILURE_PREFIX = 'exec failed: ';

/**
 * Copy a pipe into a sink (decoded as UTF-8 across chunk boundaries when `decode`, else bytes as they
 * are); resolves when the pipe closes. With `runcLog`, runc's own failure line is left out: it is
 * the message runc has just logged there.
 */
function copy(stream: Readable, write: (chunk: Buffer | string) => void, runcLog: string | undefined, decode: boolean): Promise<void> {
  if (decode) stream.setEncoding('utf8');
  return new Promise((resolve) => {
    let writing = Promise.resolve();
    stream.on('data', (chunk: Buffer | string) => {
      const text = chunk.toString();
      const deliver = (): void => write(chunk);
      if (runcLog === undefined || !text.startsWith(RUNC_FAILURE_PREFIX)) {
        // In order behind a chunk being checked.
        writing = writing.then(deliver);
        return;
      }
      writing = writing.then(async () => {
        if ((await runcLoggedError(runcLog)) !== text.trim()) deliver();
      });
    });
    stream.once('close', () => void writing.then(() => resolve()));
    stream.once('error', () => resolve());
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? osConstants.signals[signal] : 0;
}
