// What one test's berth left behind: the per-test form of scripts/check-leftovers.sh, so a fault
// test can say "nothing of ours is left" right after its own `down`, while other tests run.
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { StatePaths } from '../../src/state/paths.js';
import { hostLinksMatching, nftTablesMatching } from '../helpers/netns.js';

export interface LeftoverScope {
  readonly paths: StatePaths;
  /** Address prefix of the test's subnets, e.g. `'10.240.150.'`: bridges and veths holding it are ours. */
  readonly subnetPrefixes?: readonly string[];
  /** Project names: an nft table naming one is ours. */
  readonly projects?: readonly string[];
  /** Mounts the test made itself (a tmpfs as the root), not berth's. */
  readonly testMounts?: readonly string[];
}

const entries = async (dir: string): Promise<string[]> => readdir(dir).catch(() => []);

/** Directories whose entries stand for a live container or its resources: each must be empty after `down`. */
const PER_CONTAINER_DIRS = (paths: StatePaths): string[] => [
  path.join(paths.root, 'containers'),
  path.join(paths.root, 'rootfs'),
  path.join(paths.run, 'netns'),
  path.join(paths.run, 'runc'),
  path.join(paths.run, 'conmon'),
  path.join(paths.run, 'creating'),
  path.join(paths.run, 'containers'),
];

/** Processes whose command line or working directory mention one of the roots (conmon, runc, berthd, containers' init). */
async function processesUsing(paths: StatePaths): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await entries('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim();
    if (cmdline === '') continue; // a zombie or a kernel thread: holds nothing
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    const mentions = (text: string): boolean => text.includes(paths.root) || text.includes(paths.run);
    if (mentions(cmdline) || mentions(cwd)) found.push(`${pid} ${cmdline.slice(0, 120)}`);
  }
  return found;
}

async function mountsUnder(paths: StatePaths): Promise<string[]> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((target) => [paths.root, paths.run].some((root) => target === root || target.startsWith(`${root}/`)));
}

/** Everything of this scope still on the host, one line each; empty when clean. */
export async function leftoversOf(scope: LeftoverScope): Promise<string[]> {
  const problems: string[] = [];
  for (const dir of PER_CONTAINER_DIRS(scope.paths)) {
    const left = await entries(dir);
    if (left.length > 0) problems.push(`${dir}: ${left.join(', ')}`);
  }
  for (const mount of await mountsUnder(scope.paths)) if (!scope.testMounts?.includes(mount)) problems.push(`mount ${mount}`);
  if (scope.subnetPrefixes && scope.subnetPrefixes.length > 0) {
    for (const link of await hostLinksMatching(scope.subnetPrefixes)) problems.push(`link ${link}`);
  }
  if (scope.projects && scope.projects.length > 0) {
    for (const table of await nftTablesMatching(scope.projects)) problems.push(`nft ${table}`);
  }
  for (const proc of await processesUsing(scope.paths)) problems.push(`process ${proc}`);
  return problems;
}

/** Fail the test with the list when anything of the scope is left; processes get a moment to be reaped. */
export async function assertNothingLeft(t: ExecutionContext, scope: LeftoverScope, what = 'after down'): Promise<void> {
  let problems = await leftoversOf(scope);
  for (let attempt = 0; problems.length > 0 && attempt < 20; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    problems = await leftoversOf(scope);
  }
  t.deepEqual(problems, [], `left ${what}:\n${problems.join('\n')}`);
}
