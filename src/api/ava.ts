// `berth/ava`: a stack per test file — up before its tests, down after them (always), logs attached to failing tests.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext, TestFn } from 'ava';
import { UserError } from '../errors.js';
import type { Project } from '../spec/model.js';
import type { LogOptions } from './stack-logs.js';
import type { DownOptions, ServiceHandle, Stack } from './started-stack.js';
import { type ServiceNames, type StackOptions, up } from './stack-up.js';

export interface AvaStackOptions extends StackOptions {
  /**
   * The project name's prefix; a random suffix makes it unique, so test files run in parallel
   * (default: the test file's name).
   */
  readonly projectName?: string;
  /** Lines of each container's log attached to a failing test (default 50). */
  readonly logTailOnFailure?: number;
}

const DEFAULT_LOG_TAIL_ON_FAILURE = 50;

/** `web.test.ts` → `web`; what a project name may hold: `[a-z0-9][a-z0-9_-]*`. */
export function projectNamePrefix(file: string): string {
  const base = path.basename(file.startsWith('file:') ? fileURLToPath(file) : file).replace(/(\.(test|spec))?\.[cm]?[jt]sx?$/, '');
  const name = base.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').replace(/-+$/, '');
  return name || 'stack';
}

/** `prefix-<6 random characters>`. */
export function uniqueProjectName(prefix: string): string {
  const suffix = randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6);
  return `${prefix}-${suffix}`;
}

/** The stack of a test file, usable in its tests once the `before` hook brought it up. */
class StackOfTestFile<Service extends string> implements Stack<Service> {
  started: Stack<Service> | undefined;

  constructor(private readonly name: string) {}

  private get stack(): Stack<Service> {
    if (!this.started) {
      throw new UserError(`stack ${this.name} is not up`, { hint: 'use it inside tests: the before hook brings it up (did it fail?)' });
    }
    return this.started;
  }

  get projectName(): string {
    return this.name;
  }
  get project(): Project {
    return this.stack.project;
  }
  get services(): readonly Service[] {
    return this.stack.services;
  }
  get warnings(): readonly string[] {
    return this.stack.warnings;
  }
  service(name: Service): ServiceHandle {
    return this.stack.service(name);
  }
  logs(options?: LogOptions): Promise<string> {
    return this.stack.logs(options);
  }
  refresh(): Promise<void> {
    return this.stack.refresh();
  }
  down(options?: DownOptions): Promise<void> {
    return this.started ? this.started.down(options) : Promise.resolve();
  }
}

/**
 * Declare a stack for the test file: `test.before` brings it up (with a unique project name),
 * `test.after.always` takes it down whatever happened, and each failing test gets the stack's last
 * log lines in its log. Should the process die before that, berthd's owner lease takes it down.
 *
 *     const stack = useStack(test, { files: 'compose.yaml', wait: { web: { http: { port: 80 } } } });
 *     test('web answers', async (t) => { const port = stack.service('web').hostPort(80); ... });
 */
export function useStack<Context, Options extends AvaStackOptions>(test: TestFn<Context>, options: Options): Stack<ServiceNames<Options>> {
  const name = uniqueProjectName(options.projectName ?? projectNamePrefix(test.meta.file));
  const stack = new StackOfTestFile<ServiceNames<Options>>(name);
  test.before(`bring up stack ${name}`, async () => {
    stack.started = await up({ ...options, projectName: name });
  });
  test.afterEach.always(async (t: ExecutionContext<Context>) => {
    if (t.passed || !stack.started) return;
    const lines = await stack.started.logs({ tail: options.logTailOnFailure ?? DEFAULT_LOG_TAIL_ON_FAILURE }).catch((error: unknown) => `(cannot read the logs: ${String(error)})`);
    t.log(`logs of stack ${name} (last ${options.logTailOnFailure ?? DEFAULT_LOG_TAIL_ON_FAILURE} lines per container):\n${lines || '(nothing printed)'}`);
  });
  test.after.always(`take down stack ${name}`, async () => {
    await stack.down();
  });
  return stack;
}
