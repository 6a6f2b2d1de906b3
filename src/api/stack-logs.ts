// What a stack's containers printed, as text: per service, or all services with compose-style prefixes.
import { readProjectLogs } from '../engine/project-logs.js';
import type { StackContainerFiles } from './stack-containers.js';

export interface LogOptions {
  /** Only the last this many lines of each container. */
  readonly tail?: number;
  /** `name | ` before each line (default: true when the lines come from more than one container). */
  readonly prefix?: boolean;
}

/** The lines of these containers, merged in time order. */
export async function containerLogLines(containers: readonly StackContainerFiles[], options: LogOptions = {}): Promise<string[]> {
  const lines = await readProjectLogs(
    containers.map(({ source }) => source),
    { tail: options.tail },
  );
  const prefix = options.prefix ?? containers.length > 1;
  if (!prefix) return lines.map((line) => line.entry.text);
  const width = Math.max(0, ...containers.map(({ container }) => container.name.length));
  return lines.map((line) => `${line.container.name.padEnd(width)} | ${line.entry.text}`);
}
