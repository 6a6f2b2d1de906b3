// What a command may touch of the outside world, so tests can run the CLI in-process.
import type { BerthdHost } from './inside-berthd.js';

export interface CommandContext {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
  /** Set when berthd runs the command for a thin client: use its engine, and run only what may run there. */
  insideBerthd?: BerthdHost;
}
