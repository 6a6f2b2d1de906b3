// runc's create failures in Docker's words: a missing or unrunnable command is the user's mistake (exit 127/126).
import { SystemError, UserError } from '../errors.js';
import type { CreateFailure } from './conmon-monitor.js';
import { runcMessage } from './runc-cli.js';

/** A command the image does not have (or cannot run): Docker's message and `docker run`'s exit code. */
export class ContainerCommandError extends UserError {
  constructor(
    message: string,
    readonly exitCode: 126 | 127,
  ) {
    super(message, { keyPath: 'command', hint: 'check the command and entrypoint against the image' });
  }
}

/** runc's create failure → Docker's wording; a missing or unrunnable command is a user mistake with 127/126. */
export function createError(name: string, failure: CreateFailure): Error {
  const reason = runcMessage(failure.message);
  const text = `failed to create container ${name}: ${reason}`;
  const exec = /exec: .*$/.exec(reason)?.[0] ?? '';
  if (/executable file not found|no such file or directory/.test(exec)) return new ContainerCommandError(text, 127);
  if (/permission denied|exec format error/.test(exec)) return new ContainerCommandError(text, 126);
  return new SystemError(reason, 'runc create');
}
