// Private state roots with the busybox image loaded, for tests that drive berth through its API; berthd stopped in teardown.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { main } from '../../../src/cli/main.js';
import { stopDaemon } from '../../../src/daemon/daemon-process.js';
import type { StatePaths } from '../../../src/state/paths.js';
import { daemonCommandFromSource } from '../daemon/fixtures/daemon-command.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { buildBusyboxDockerArchive } from '../../helpers/test-image.js';

export interface ApiFixture {
  readonly paths: StatePaths;
  /** Private roots and no DNS forwarding off the host: what `up({ env })` is given. */
  readonly env: Record<string, string>;
  /** berthd from the TypeScript sources (these tests need no build of dist/). */
  readonly daemonCommand: string[];
  /** A scratch directory (project directories, compose files), removed in teardown. */
  readonly dir: string;
}

/** Registers, in this order of teardown: stacks the test downs itself first, then berthd is stopped, then the roots go. */
export async function apiFixture(t: ExecutionContext, label = 'berth-api'): Promise<ApiFixture> {
  const paths = await tempStatePaths(t, label);
  const dir = await mkdtemp(path.join(tmpdir(), `${label}-proj-`));
  const env = { BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '' };
  t.teardown(async () => {
    await stopDaemon(paths).catch((error: unknown) => t.log(`stop berthd: ${String(error)}`));
    await rm(dir, { recursive: true, force: true });
  });
  const archive = path.join(dir, 'busybox.tar');
  buildBusyboxDockerArchive(archive);
  let stderr = '';
  const code = await main(['image', 'load', '-q', '-i', archive], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdout: { write: () => undefined },
    stderr: { write: (text) => void (stderr += text) },
  });
  if (code !== 0) throw new Error(`image load failed: ${stderr}`);
  return { paths, env, daemonCommand: daemonCommandFromSource(), dir };
}
