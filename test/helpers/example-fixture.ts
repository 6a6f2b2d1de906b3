// An example stack from examples/ driven through the CLI as a user would: private state roots, the busybox image
// that scripts/busybox-image.sh makes, every profile taken down afterwards.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { main } from '../../src/cli/main.js';
import { stopDaemon } from '../../src/daemon/daemon-process.js';
import type { StatePaths } from '../../src/state/paths.js';
import type { CliResult } from './cli-fixture.js';
import { tempStatePaths } from './temp-state.js';

const execFileAsync = promisify(execFile);

export const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

export interface ExampleOptions {
  /** Directory name under examples/. */
  readonly example: string;
  /** `-p`: unique per test, so parallel tests never share a project. */
  readonly project: string;
  /** Variables the compose file interpolates (ports, subnets); the process environment wins over `.env`. */
  readonly env?: Record<string, string> | undefined;
  /** Run a private copy of the example, for tests that change its files. */
  readonly copy?: boolean | undefined;
  /** YAML of an override file read after the example's compose.yaml (e.g. a subnet for a file that has none). */
  readonly override?: string | undefined;
  /** A `berth image save` archive of the script's busybox (see saveScriptBusybox): loaded instead of running the script again. */
  readonly imageArchive?: string | undefined;
}

export interface SavedImage {
  /** The docker-archive holding busybox:latest as scripts/busybox-image.sh made it. */
  readonly archive: string;
  remove(): Promise<void>;
}

/**
 * Run scripts/busybox-image.sh once on scratch state roots and save its image to an archive: a test file's stacks
 * load it (~0.3 s) instead of each running the script (~2–3 s on a busy machine).
 */
export async function saveScriptBusybox(): Promise<SavedImage> {
  const base = await mkdtemp(path.join(tmpdir(), 'ex-busybox-'));
  const remove = (): Promise<void> => rm(base, { recursive: true, force: true });
  try {
    const env = { ...process.env, BERTH_ROOT: path.join(base, 'root'), BERTH_RUN: path.join(base, 'run') };
    await execFileAsync('bash', [path.join(REPOSITORY, 'scripts', 'busybox-image.sh')], { env, timeout: 30_000 });
    const archive = path.join(base, 'busybox.tar');
    await execFileAsync(process.execPath, [path.join(REPOSITORY, 'bin', 'berth.js'), 'image', 'save', '-o', archive, 'busybox:latest'], { env, timeout: 30_000 });
    return { archive, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

export interface ExampleFixture {
  readonly paths: StatePaths;
  /** The project directory: the example itself, or its private copy. */
  readonly dir: string;
  /** `berth -p <project> [-f compose.yaml -f override] ...args`, in-process, from the project directory. */
  run(...args: string[]): Promise<CliResult>;
}

/** Get the example ready to run; teardown takes the project down (every profile), stops berthd, removes the roots. */
export async function exampleFixture(t: ExecutionContext, options: ExampleOptions): Promise<ExampleFixture> {
  const paths = await tempStatePaths(t, options.project);
  const scratch = await mkdtemp(path.join(tmpdir(), `${options.project}-files-`));
  const source = path.join(REPOSITORY, 'examples', options.example);
  const dir = options.copy ? path.join(scratch, options.example) : source;
  const env = {
    ...process.env,
    BERTH_ROOT: paths.root,
    BERTH_RUN: paths.run,
    BERTH_DNS_UPSTREAMS: '',
    NO_COLOR: '1',
    // Profiles come from the test's own flags, never from the caller's shell.
    COMPOSE_PROFILES: '',
    ...options.env,
  };
  const files: string[] = [];
  if (options.override !== undefined) {
    const override = path.join(scratch, 'override.yaml');
    await writeFile(override, options.override);
    files.push('-f', path.join(dir, 'compose.yaml'), '-f', override);
  }
  const invoke = async (args: string[]): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const code = await main(['-p', options.project, ...files, ...args], {
      cwd: dir,
      env,
      stdout: { write: (text) => void (stdout += text) },
      stderr: { write: (text) => void (stderr += text) },
    });
    return { code, stdout, stderr };
  };
  t.teardown(async () => {
    if (!t.passed) {
      const log = await readFile(path.join(paths.root, 'berthd.log'), 'utf8').catch(() => '(no berthd.log)');
      t.log(`berthd.log (last 40 lines):\n${log.split('\n').slice(-40).join('\n')}`);
    }
    // `*`: containers of profiled services are taken down only when their profile is active (as compose).
    await invoke(['--profile', '*', 'down', '-v', '-t', '0']).catch(() => undefined);
    await stopDaemon(paths).catch((error: unknown) => t.log(`stop berthd: ${String(error)}`));
    await rm(scratch, { recursive: true, force: true });
  });
  if (options.copy) await cp(source, dir, { recursive: true });
  // The image a user gets on a fresh machine: busybox-static imported by the repository's script.
  if (options.imageArchive !== undefined) {
    const loaded = await invoke(['image', 'load', '-q', '-i', options.imageArchive]);
    if (loaded.code !== 0) throw new Error(`image load failed: ${loaded.stderr}`);
  } else {
    await execFileAsync('bash', [path.join(REPOSITORY, 'scripts', 'busybox-image.sh')], { env, timeout: 30_000 });
  }
  return { paths, dir, run: (...args) => invoke(args) };
}
