// Whole-process measurements: wall time of a command from spawn to exit, and the memory of running processes.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface TimedRun {
  /** Wall time from spawn to the process's exit, milliseconds. */
  ms: number;
  stdout: string;
  stderr: string;
}

export interface TimeProcessOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kill the command (SIGKILL, by its pid) after this long; default 5 minutes. */
  timeoutMs?: number;
}

/** A command that exited non-zero or was killed; carries what it printed. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
  constructor(
    readonly command: readonly string[],
    readonly exit: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command.join(' ')} ${exit}\n${lastLines(stderr || stdout, 15)}`);
  }
}

/** Run `command` to its exit and time it; throws CommandFailed unless it exits 0. */
export function timeProcess(command: readonly string[], options: TimeProcessOptions = {}): Promise<TimedRun> {
  const [program, ...args] = command;
  if (!program) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ms = 0;
    let stdout = '';
    let stderr = '';
    const child = spawn(program, args, { cwd: options.cwd, env: definedEnv(options.env ?? process.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // The exit is the measurement; 'close' (all output read) may come later.
    child.once('exit', () => (ms = performance.now() - started));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new CommandFailed(command, signal ? `was killed by ${signal}` : `exited with ${code}`, stdout, stderr));
    });
  });
}

export function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

export interface ProcessMemory {
  /** Resident set, KiB. */
  rssKiB: number;
  /** Proportional set (shared pages divided among their users), KiB. */
  pssKiB: number;
}

/** RSS and PSS of a live process (from smaps_rollup); undefined when it is gone. */
export function processMemory(pid: number): ProcessMemory | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { rssKiB: field('Rss'), pssKiB: field('Pss') };
  } catch {
    return undefined;
  }
}

/** Pids of live processes whose NUL-separated command line satisfies `matches`. */
export function findProcesses(matches: (args: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (args.length > 0 && matches(args)) pids.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return pids;
}

/** Sum of the memory of `pids` (those still alive), with how many were counted. */
export function totalMemory(pids: readonly number[]): ProcessMemory & { processes: number } {
  let rssKiB = 0;
  let pssKiB = 0;
  let processes = 0;
  for (const pid of pids) {
    const memory = processMemory(pid);
    if (!memory) continue;
    rssKiB += memory.rssKiB;
    pssKiB += memory.pssKiB;
    processes++;
  }
  return { rssKiB, pssKiB, processes };
}

/** The 1-minute load average and how many cores there are: the load other work puts on the machine. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Whether `pid` is alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Wait up to `timeoutMs` for `pid` to end; true when it did. */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (isAlive(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
