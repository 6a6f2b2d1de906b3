// The processes of a running container as `ps -ef` shows them (what `docker top` prints): pids from its cgroup, facts from /proc.
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { parsePasswd } from '../runtime/container-user.js';

/** `ps -ef`'s columns, which `docker top` shows by default. */
export const PS_TITLES = ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'] as const;

/** What /proc says about one process. */
export interface ProcessSample {
  pid: number;
  ppid: number;
  /** Effective uid (ps's UID column). */
  euid: number;
  /** One letter: R, S, D, Z, T... */
  state: string;
  ttyNr: number;
  /** CPU time in clock ticks, user + system. */
  cpuTicks: number;
  /** Clock ticks after boot at which it started. */
  startTicks: number;
  comm: string;
  args: string[];
}

/** The host's clock as ps reads it. */
export interface HostClock {
  nowMs: number;
  uptimeSeconds: number;
  /** Linux reports process times in USER_HZ, 100 on every architecture berth runs on. */
  ticksPerSecond: number;
}

const CGROUP_ROOT = '/sys/fs/cgroup';
/** Hierarchies whose cgroup holds exactly the container's processes (cgroup v1); the unified one (v2) otherwise. */
const PREFERRED_CONTROLLERS = ['pids', 'freezer', 'memory', 'cpu', 'cpuacct', 'devices'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parse /proc/<pid>/stat (the command name may hold spaces and parentheses: fields count from the last ')'). */
export function parseProcStat(text: string): Omit<ProcessSample, 'euid' | 'args'> | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).trim().split(' ');
  const number = (index: number): number => Number(fields[index]);
  const sample = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: fields[0] ?? '?',
    ppid: number(1),
    ttyNr: number(4),
    cpuTicks: number(11) + number(12),
    startTicks: number(19),
  };
  return [sample.pid, sample.ppid, sample.ttyNr, sample.cpuTicks, sample.startTicks].every(Number.isFinite) ? sample : undefined;
}

/** The file listing the processes of the cgroup `pid` is in, from a /proc/<pid>/cgroup text; undefined for the root cgroup. */
export function cgroupProcsPath(cgroupText: string, unifiedOnly: boolean): string | undefined {
  const entries = cgroupText.split('\n').flatMap((line) => {
    // `N:controllers:path`, where the path may itself hold ':'.
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    return first < 0 || second < 0 ? [] : [{ controllers: line.slice(first + 1, second), cgroupPath: line.slice(second + 1) }];
  });
  if (!unifiedOnly) {
    for (const wanted of PREFERRED_CONTROLLERS) {
      const entry = entries.find((candidate) => candidate.controllers.split(',').includes(wanted));
      if (entry && entry.cgroupPath !== '/' && entry.cgroupPath !== '') return path.join(CGROUP_ROOT, entry.controllers, entry.cgroupPath, 'cgroup.procs');
    }
  }
  const unified = entries.find((entry) => entry.controllers === '');
  if (!unified || unified.cgroupPath === '/' || unified.cgroupPath === '') return undefined;
  return path.join(CGROUP_ROOT, unifiedOnly ? '' : 'unified', unified.cgroupPath, 'cgroup.procs');
}

/** TIME: CPU time as `[DD-]HH:MM:SS`. */
export function formatCpuTime(ticks: number, ticksPerSecond: number): string {
  const total = Math.floor(ticks / ticksPerSecond);
  const days = Math.floor(total / 86_400);
  const two = (value: number): string => String(value).padStart(2, '0');
  const clock = `${two(Math.floor((total % 86_400) / 3600))}:${two(Math.floor((total % 3600) / 60))}:${two(total % 60)}`;
  return days > 0 ? `${days}-${clock}` : clock;
}

/** STIME: `HH:MM` when it started today, `MonDD` this year, else the year (local time, as ps). */
export function formatStartTime(startMs: number, nowMs: number): string {
  const start = new Date(startMs);
  const now = new Date(nowMs);
  const two = (value: number): string => String(value).padStart(2, '0');
  if (start.getFullYear() !== now.getFullYear()) return String(start.getFullYear());
  const sameDay = start.getMonth() === now.getMonth() && start.getDate() === now.getDate();
  return sameDay ? `${two(start.getHours())}:${two(start.getMinutes())}` : `${MONTHS[start.getMonth()] ?? '?'}${two(start.getDate())}`;
}

/** C: integer percent of one CPU over the process's life, at most 99 (ps's rule). */
export function cpuPercent(cpuTicks: number, startTicks: number, clock: HostClock): number {
  const lifeSeconds = Math.floor(clock.uptimeSeconds - startTicks / clock.ticksPerSecond);
  if (lifeSeconds <= 0) return 0;
  return Math.min(99, Math.floor((cpuTicks * 100) / clock.ticksPerSecond / lifeSeconds));
}

/** TTY: the terminal a tty_nr names (`pts/0`, `tty1`, `ttyS0`), `?` for none. */
export function ttyName(ttyNr: number): string {
  if (ttyNr === 0) return '?';
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return 'console';
  return '?';
}

/** UID: the host's user name (ps cuts names longer than 8 characters to 7 and a '+'), else the number. */
export function userColumn(uid: number, names: ReadonlyMap<number, string>): string {
  const name = names.get(uid);
  if (name === undefined) return String(uid);
  return name.length > 8 ? `${name.slice(0, 7)}+` : name;
}

/** One `ps -ef` row. */
export function psRow(sample: ProcessSample, clock: HostClock, names: ReadonlyMap<number, string>): string[] {
  const startMs = clock.nowMs - (clock.uptimeSeconds - sample.startTicks / clock.ticksPerSecond) * 1000;
  const command = sample.args.length > 0 ? sample.args.join(' ') : `[${sample.comm}]`;
  return [
    userColumn(sample.euid, names),
    String(sample.pid),
    String(sample.ppid),
    String(cpuPercent(sample.cpuTicks, sample.startTicks, clock)),
    formatStartTime(startMs, clock.nowMs),
    ttyName(sample.ttyNr),
    formatCpuTime(sample.cpuTicks, clock.ticksPerSecond),
    sample.state === 'Z' ? `${command} <defunct>` : command,
  ];
}

export async function readHostClock(): Promise<HostClock> {
  const uptime = await readFile('/proc/uptime', 'utf8');
  return { nowMs: Date.now(), uptimeSeconds: Number(uptime.split(' ')[0]), ticksPerSecond: 100 };
}

/** The host's uid → name table (ps names users as the host knows them). */
export async function hostUserNames(): Promise<Map<number, string>> {
  const text = await readFile('/etc/passwd', 'utf8').catch(() => '');
  return new Map(parsePasswd(text).map((entry) => [entry.uid, entry.name]));
}

export async function readProcessSample(pid: number): Promise<ProcessSample | undefined> {
  try {
    const [stat, status, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    const parsed = parseProcStat(stat);
    if (!parsed) return undefined;
    const euid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
    const args = cmdline.split('\0');
    if (args[args.length - 1] === '') args.pop();
    return { ...parsed, euid: Number.isFinite(euid) ? euid : 0, args };
  } catch {
    // It ended between the listing and the read.
    return undefined;
  }
}

/**
 * The pids of the container whose init is `initPid`: its cgroup's members (exec'd processes too);
 * when that cgroup cannot be read, the processes sharing init's pid namespace.
 */
export async function containerPids(initPid: number): Promise<number[]> {
  const cgroupText = await readFile(`/proc/${initPid}/cgroup`, 'utf8').catch(() => '');
  const unifiedOnly = await readFile(path.join(CGROUP_ROOT, 'cgroup.controllers'), 'utf8').then(() => true, () => false);
  const procsFile = cgroupProcsPath(cgroupText, unifiedOnly);
  if (procsFile) {
    const listed = await readFile(procsFile, 'utf8').catch(() => undefined);
    const pids = listed?.split('\n').filter(Boolean).map(Number) ?? [];
    if (pids.includes(initPid)) return pids.sort((a, b) => a - b);
  }
  return pidNamespaceMembers(initPid);
}

async function pidNamespaceMembers(initPid: number): Promise<number[]> {
  const namespace = await readlink(`/proc/${initPid}/ns/pid`).catch(() => undefined);
  if (namespace === undefined) return [];
  const entries = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const members = await Promise.all(entries.map(async (name) => ((await readlink(`/proc/${name}/ns/pid`).catch(() => '')) === namespace ? Number(name) : undefined)));
  return members.filter((pid): pid is number => pid !== undefined).sort((a, b) => a - b);
}

/** `ps -ef` rows of the container's processes, in pid order. */
export async function containerProcessRows(initPid: number, context?: { clock: HostClock; names: ReadonlyMap<number, string> }): Promise<string[][]> {
  const [pids, clock, names] = await Promise.all([containerPids(initPid), context?.clock ?? readHostClock(), context?.names ?? hostUserNames()]);
  const samples = await Promise.all(pids.map((pid) => readProcessSample(pid)));
  return samples.filter((sample): sample is ProcessSample => sample !== undefined).map((sample) => psRow(sample, clock, names));
}
