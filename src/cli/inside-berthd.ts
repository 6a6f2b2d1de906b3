// Which commands berthd may run for the thin client (bin/berth.js), and what such a command gets from berthd.
// Only commands that print and call the engine qualify: no stdin, no terminal, no stream that outlives the request.
import type { StackEngine } from '../engine/engine-service.js';

/** Set on a command's context when it runs inside berthd on behalf of a thin client. */
export interface BerthdHost {
  /** berthd's own engine: the command calls it directly instead of connecting to berthd. */
  engine(): Promise<StackEngine>;
  /** Fires when the client goes away (Ctrl-C): its requests are cancelled as a local CLI's would be. */
  readonly signal: AbortSignal;
}

/**
 * Thrown before a command's action when the command has to run in the client's own process
 * (`up` without -d, `logs -f`, `exec`...). Nothing has been written by then, so the client starts over locally.
 */
export class RunInClient extends Error {
  constructor(command: string) {
    super(`${command} runs in the client`);
    this.name = 'RunInClient';
  }
}

/** Top-level commands that print and call the engine, whatever their options. */
const PRINT_AND_CALL = new Set(['down', 'stop', 'start', 'restart', 'kill', 'pause', 'unpause', 'create', 'ps', 'ls', 'port', 'top', 'config', 'version']);

/** Worth asking berthd at all: a command word it may run is among the arguments, and nothing is read from stdin (`-f -`). */
export function mayRunInsideBerthd(args: readonly string[]): boolean {
  return !args.includes('-') && args.some((arg) => arg === 'up' || PRINT_AND_CALL.has(arg));
}

/** Whether the command `commandPath` (['up'], ['image', 'ls']) with these parsed options runs inside berthd. */
export function runsInsideBerthd(commandPath: readonly string[], options: Readonly<Record<string, unknown>>): boolean {
  if (commandPath.length !== 1) return false;
  const [name = ''] = commandPath;
  // An attached `up` streams logs and handles Ctrl-C itself; detached, waiting and create-only ones just report.
  if (name === 'up') return options['detach'] === true || options['wait'] === true || options['start'] === false;
  return PRINT_AND_CALL.has(name);
}
