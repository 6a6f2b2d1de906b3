// A compose project on private state roots, driven through the CLI in-process (berthd started on demand), torn down after.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { main } from '../../src/cli/main.js';
import { stopDaemon } from '../../src/daemon/daemon-process.js';
import type { StatePaths } from '../../src/state/paths.js';
import { tempStatePaths } from './temp-state.js';
import { buildBusyboxDockerArchive } from './test-image.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliFixture {
  readonly paths: StatePaths;
  readonly dir: string;
  readonly file: string;
  /** Private roots, no DNS forwarding off the host, no colour. */
  readonly env: Record<string, string | undefined>;
  /** `berth -f <compose.yaml> ...args`, in-process. */
  run(...args: string[]): Promise<CliResult>;
}

/** Writes `compose` as compose.yaml, loads the busybox test image; teardown downs the project and stops berthd. */
export async function cliFixture(t: ExecutionContext, compose: string, label = 'berth-cli'): Promise<CliFixture> {
  const paths = await tempStatePaths(t, label);
  const dir = await mkdtemp(path.join(tmpdir(), `${label}-proj-`));
  const env = { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '', NO_COLOR: '1' };
  const file = path.join(dir, 'compose.yaml');
  const invoke = async (args: string[]): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      cwd: dir,
      env,
      stdout: { write: (text) => void (stdout += text) },
      stderr: { write: (text) => void (stderr += text) },
    });
    return { code, stdout, stderr };
  };
  t.teardown(async () => {
    if (!t.passed) {
      // What berthd saw is the first thing to read when a stack test fails.
      const log = await readFile(path.join(paths.root, 'berthd.log'), 'utf8').catch(() => '(no berthd.log)');
      t.log(`berthd.log (last 40 lines):\n${log.split('\n').slice(-40).join('\n')}`);
    }
    await invoke(['-f', file, 'down', '-v', '-t', '0']).catch(() => undefined);
    await stopDaemon(paths).catch((error: unknown) => t.log(`stop berthd: ${String(error)}`));
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(file, compose);
  const archive = path.join(dir, 'busybox.tar');
  buildBusyboxDockerArchive(archive);
  const loaded = await invoke(['image', 'load', '-q', '-i', archive]);
  if (loaded.code !== 0) throw new Error(`image load failed: ${loaded.stderr}`);
  return { paths, dir, file, env, run: (...args) => invoke(['-f', file, ...args]) };
}
