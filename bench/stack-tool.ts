// What the stack scenarios need of a tool under test (berth, docker-compose): timed up, no-op up and down.
import type { StackSpec } from './stack-projects.js';

/** `cold`: nothing of the stack exists; `noop`: everything is up already and nothing changed. */
export type UpMode = 'cold' | 'noop';

export interface StackTool {
  readonly name: 'berth' | 'docker';
  /** `up -d` as a whole process, ms; a cold up of a health-gated stack lasts until every service is healthy. */
  up(stack: StackSpec, mode: UpMode): Promise<number>;
  /** `down -t 0` as a whole process, ms. */
  down(stack: StackSpec): Promise<number>;
  /** What a service printed, to check that a stack did its work. */
  logs(stack: StackSpec, service: string): Promise<string>;
  /** Bring down what is up, stop the daemon this tool started, remove its files. */
  close(): Promise<void>;
}
