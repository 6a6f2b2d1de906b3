// The resource limits (rlimits) of this process: a container's ulimit may never exceed the current hard limit.
import { readFileSync } from 'node:fs';

/** Docker's ulimit names → the OCI rlimit type, with the row title in /proc/self/limits. */
export const ULIMIT_TYPES: Record<string, { rlimit: string; title: string }> = {
  as: { rlimit: 'RLIMIT_AS', title: 'Max address space' },
  core: { rlimit: 'RLIMIT_CORE', title: 'Max core file size' },
  cpu: { rlimit: 'RLIMIT_CPU', title: 'Max cpu time' },
  data: { rlimit: 'RLIMIT_DATA', title: 'Max data size' },
  fsize: { rlimit: 'RLIMIT_FSIZE', title: 'Max file size' },
  locks: { rlimit: 'RLIMIT_LOCKS', title: 'Max file locks' },
  memlock: { rlimit: 'RLIMIT_MEMLOCK', title: 'Max locked memory' },
  msgqueue: { rlimit: 'RLIMIT_MSGQUEUE', title: 'Max msgqueue size' },
  nice: { rlimit: 'RLIMIT_NICE', title: 'Max nice priority' },
  nofile: { rlimit: 'RLIMIT_NOFILE', title: 'Max open files' },
  nproc: { rlimit: 'RLIMIT_NPROC', title: 'Max processes' },
  rss: { rlimit: 'RLIMIT_RSS', title: 'Max resident set' },
  rtprio: { rlimit: 'RLIMIT_RTPRIO', title: 'Max realtime priority' },
  rttime: { rlimit: 'RLIMIT_RTTIME', title: 'Max realtime timeout' },
  sigpending: { rlimit: 'RLIMIT_SIGPENDING', title: 'Max pending signals' },
  stack: { rlimit: 'RLIMIT_STACK', title: 'Max stack size' },
};

/** Hard limit per OCI rlimit type (`RLIMIT_NOFILE` → 20000); `Infinity` for unlimited. */
export type HardLimits = Record<string, number>;

/** Parse /proc/<pid>/limits text. */
export function parseHardLimits(text: string): HardLimits {
  const limits: HardLimits = {};
  for (const { rlimit, title } of Object.values(ULIMIT_TYPES)) {
    const line = text.split('\n').find((candidate) => candidate.startsWith(title));
    if (!line) continue;
    const fields = line.slice(title.length).trim().split(/\s+/);
    const hard = fields[1];
    if (hard === undefined) continue;
    limits[rlimit] = hard === 'unlimited' ? Infinity : Number(hard);
  }
  return limits;
}

/** This process's hard limits, read once per call (cheap: one small procfs read). */
export function currentHardLimits(): HardLimits {
  return parseHardLimits(readFileSync('/proc/self/limits', 'utf8'));
}
