// A private BERTH_ROOT / BERTH_RUN pair per test, removed afterwards even when the test fails.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { StatePaths } from '../../src/state/paths.js';

/** Make fresh state roots under /tmp and register their removal with the test's teardown. */
export async function tempStatePaths(t: ExecutionContext, label = 'berth'): Promise<StatePaths> {
  const base = await mkdtemp(path.join(tmpdir(), `${label}-`));
  t.teardown(async () => {
    await unmountEverythingUnder(base);
    await rm(base, { recursive: true, force: true });
  });
  return { root: path.join(base, 'root'), run: path.join(base, 'run') };
}

/**
 * Lazily unmount whatever a failed test left mounted under `dir`, deepest first, so removing the
 * directory can never reach through a bind mount into the host's files.
 */
export async function unmountEverythingUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const targets = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((target): target is string => target !== undefined && (target === dir || target.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const target of targets) execFileSync('umount', ['-l', target]);
}
