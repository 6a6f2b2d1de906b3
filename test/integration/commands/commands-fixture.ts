// A cliFixture whose stack commands run in-process (BERTH_NO_DAEMON=1), plus berth as a child process for real stdio.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { main } from '../../../src/cli/main.js';
import { type CliFixture, type CliResult, cliFixture } from '../../helpers/cli-fixture.js';

const ENTRY = path.resolve('test/integration/commands/berth-entry.ts');

export interface CommandsFixture extends CliFixture {
  /** berth in-process without `-f` (e.g. `-p NAME ...`), in a directory with no compose file. */
  bare(...args: string[]): Promise<CliResult>;
  /** berth as a child process: real file descriptors, `input` written to its stdin. */
  spawn(args: readonly string[], options?: { input?: string; wrap?: (command: string[]) => string[] }): Promise<CliResult>;
}

export async function commandsFixture(t: ExecutionContext, compose: string, label: string): Promise<CommandsFixture> {
  const fixture = await cliFixture(t, compose, label);
  // The engine runs in each command's process: nothing outlives a test but its containers (down removes them).
  fixture.env['BERTH_NO_DAEMON'] = '1';
  const bare = async (...args: string[]): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      cwd: '/',
      env: fixture.env,
      stdout: { write: (text) => void (stdout += text) },
      stderr: { write: (text) => void (stderr += text) },
    });
    return { code, stdout, stderr };
  };
  const spawnBerth = (args: readonly string[], options: { input?: string; wrap?: (command: string[]) => string[] } = {}): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const command = [process.execPath, '--import', 'tsx', ENTRY, ...args];
      const [file, ...rest] = options.wrap ? options.wrap(command) : command;
      const child = spawn(file ?? process.execPath, rest, { cwd: process.cwd(), env: fixture.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => void (stdout += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => void (stderr += text));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });
  return { ...fixture, bare, spawn: spawnBerth };
}
