// The thin client: hand the command line to a running berthd and print what comes back. Loads a handful
// of small modules, so a command berthd can run costs Node's start-up and one round trip, not the CLI's
// ~250 modules and a cold YAML parser. Anything else (no berthd, a terminal, `exec`) runs in this process.
import { connectDaemon } from '../daemon/daemon-client.js';
import { daemonPaths } from '../daemon/daemon-paths.js';
import { statePathsFromEnv } from '../state/paths.js';
import type { CliOutput, CliReply, CliRequest } from './berthd-cli-server.js';
import { cliBuildId } from './cli-build.js';
import { mayRunInsideBerthd } from './inside-berthd.js';

export interface ThinClientIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

/**
 * Run `args` inside berthd; the exit code, or undefined when this process must run the command itself
 * (nothing has been printed then). `BERTH_THIN_CLI=0` turns it off.
 */
export async function runInsideBerthd(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
  io: ThinClientIo = process,
): Promise<number | undefined> {
  // A terminal gets the live progress display, which draws on the real terminal.
  if (env['BERTH_NO_DAEMON'] === '1' || env['BERTH_THIN_CLI'] === '0' || io.stdout.isTTY || io.stderr.isTTY) return undefined;
  if (!mayRunInsideBerthd(args)) return undefined;
  const client = await connectDaemon(daemonPaths(statePathsFromEnv(env)).socket).catch(() => undefined);
  if (!client) return undefined; // no berthd: the full CLI starts one
  let printed = false;
  try {
    const request: CliRequest = { args, cwd, env: definedOnly(env), build: cliBuildId() };
    const reply = await client.call<CliReply>('cli', request, {
      onEvent: (event) => {
        const output = event as CliOutput;
        printed = true;
        (output.stream === 'stdout' ? io.stdout : io.stderr).write(output.text);
      },
    });
    return 'exitCode' in reply ? reply.exitCode : undefined;
  } catch (error) {
    // An older berthd without the method answers before doing anything: run the command here.
    if (!printed && error instanceof Error && /has no method/.test(error.message)) return undefined;
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}
