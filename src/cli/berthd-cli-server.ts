// berthd's `cli` method: run a thin client's command line in berthd, where the modules are loaded and
// warm, and stream what the command writes back to the client as events.
import type { DaemonHandler } from '../daemon/daemon-server.js';
import type { StackEngine } from '../engine/engine-service.js';
import { type StatePaths, statePathsFromEnv } from '../state/paths.js';
import { cliBuildId } from './cli-build.js';
import { RunInClient } from './inside-berthd.js';
import { main } from './main.js';

export interface CliRequest {
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The client's `cliBuildId()`: another build runs the command itself. */
  readonly build: string;
}

/** An event of the call: a piece of the command's output, in the order it was written. */
export interface CliOutput {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export type CliReply = { readonly runInClient: true } | { readonly exitCode: number };

/** Output is sent in pieces well below the protocol's line limit, however much a command prints at once. */
const OUTPUT_PIECE_CHARS = 256 * 1024;

function parseRequest(params: unknown): CliRequest | undefined {
  const value = params as Partial<CliRequest> | null;
  if (!value || !Array.isArray(value.args) || !value.args.every((arg) => typeof arg === 'string')) return undefined;
  if (typeof value.cwd !== 'string' || typeof value.build !== 'string' || typeof value.env !== 'object' || value.env === null) return undefined;
  return value as CliRequest;
}

export function berthdCliHandler(paths: StatePaths, engine: () => Promise<StackEngine>): DaemonHandler {
  const build = cliBuildId();
  return async (params, call) => {
    const request = parseRequest(params);
    // Another build, or a client whose BERTH_ROOT/BERTH_RUN name other state than this berthd's: the client runs it.
    const theirs = request && statePathsFromEnv(request.env);
    if (!request || request.build !== build || theirs?.root !== paths.root || theirs.run !== paths.run) return { runInClient: true } satisfies CliReply;
    const writer = (stream: CliOutput['stream']) => ({
      write(text: string): void {
        for (let at = 0; at < text.length; at += OUTPUT_PIECE_CHARS) call.emit({ stream, text: text.slice(at, at + OUTPUT_PIECE_CHARS) } satisfies CliOutput);
      },
    });
    try {
      const exitCode = await main([...request.args], {
        cwd: request.cwd,
        env: { ...request.env },
        stdout: writer('stdout'),
        stderr: writer('stderr'),
        insideBerthd: { engine, signal: call.signal },
      });
      return { exitCode } satisfies CliReply;
    } catch (error) {
      if (error instanceof RunInClient) return { runInClient: true } satisfies CliReply;
      throw error;
    }
  };
}
