// The golden `berth config` cases: list the fixture directories and run the CLI on one, in-process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export const GOLDEN_ROOT: string = new URL('../fixtures/golden/', import.meta.url).pathname;

/** `case.json` in a fixture directory: flags placed before `config`, and extra environment. */
export interface GoldenCase {
  name: string;
  dir: string;
  args: string[];
  env: Record<string, string>;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The only environment a golden run sees: never the real process.env. */
export const BASE_ENV: Readonly<Record<string, string>> = { HOME: '/home/test' };

export function listGoldenCases(): GoldenCase[] {
  return readdirSync(GOLDEN_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(GOLDEN_ROOT, entry.name, 'case.json')))
    .map((entry) => {
      const dir = join(GOLDEN_ROOT, entry.name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as {
        args?: string[];
        env?: Record<string, string>;
      };
      return { name: entry.name, dir, args: spec.args ?? [], env: spec.env ?? {} };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Run `berth <args>` in `cwd` with `env` (plus HOME), capturing both streams. */
export async function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    cwd,
    env: { ...BASE_ENV, ...env },
    stdout: { write: (text: string) => void (stdout += text) },
    stderr: { write: (text: string) => void (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** Absolute paths name the fixture directory; the expected files say `<dir>` instead. */
export function withDirPlaceholder(text: string, dir: string): string {
  return text.replaceAll(dir.replace(/\/$/, ''), '<dir>');
}

/** The two outputs a case pins: `config` (YAML) and `config --format json`. */
export async function renderGoldenCase(golden: GoldenCase): Promise<{ yaml: CliRun; json: CliRun }> {
  const yaml = await runCli([...golden.args, 'config'], golden.dir, golden.env);
  const json = await runCli([...golden.args, 'config', '--format', 'json'], golden.dir, golden.env);
  for (const run of [yaml, json]) {
    run.stdout = withDirPlaceholder(run.stdout, golden.dir);
    run.stderr = withDirPlaceholder(run.stderr, golden.dir);
  }
  return { yaml, json };
}
