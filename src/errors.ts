// Error values with a kind: the CLI prints them, the API throws them, nobody swallows them.

/** Where in a user's file something is. Lines and columns count from 1. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

export interface UserErrorDetails {
  /** Position of the offending key or value, when known. */
  position?: SourcePosition | undefined;
  /** Dotted key path, e.g. `services.web.ports[0]`. */
  keyPath?: string | undefined;
  /** What to do about it, e.g. `did you mean "ports"?`. */
  hint?: string | undefined;
  /** Further errors found in the same pass (validation reports them all). */
  related?: UserError[] | undefined;
  /** What kind of mistake, where callers act on it (the CLI's exit code, `extends` rewording). */
  reason?: UserErrorReason | undefined;
}

/**
 * `missing-file`: a compose, env, include or extends file that does not exist (compose's exit 14).
 * `invalid-project`: anything else wrong in the project's files or environment (exit 15).
 * Other user errors (a bad flag value, wrong credentials, an unknown container) exit with 1.
 */
export type UserErrorReason = 'missing-file' | 'invalid-project';

/** A mistake in the user's input: a file, a flag, an environment variable. Exit code 15 for config errors. */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly position: SourcePosition | undefined;
  readonly keyPath: string | undefined;
  readonly hint: string | undefined;
  readonly related: UserError[];
  readonly reason: UserErrorReason | undefined;

  constructor(message: string, details: UserErrorDetails = {}) {
    super(message);
    this.position = details.position;
    this.keyPath = details.keyPath;
    this.hint = details.hint;
    this.related = details.related ?? [];
    this.reason = details.reason;
  }

  /** The errors of one pass as one: the first is the message, the others follow in `related`. */
  static combine(errors: readonly UserError[]): UserError {
    const [first, ...rest] = errors;
    if (!first) throw new Error('UserError.combine needs at least one error');
    return rest.length === 0 ? first : first.with({ related: [...first.related, ...rest] });
  }

  /** The same error with some details replaced, e.g. a position added by a caller that knows it. */
  with(details: UserErrorDetails): UserError {
    const { position, keyPath, hint, related, reason } = this;
    return new UserError(this.message, { position, keyPath, hint, related, reason, ...details });
  }

  /** One line: `file:line:col: key.path: message (hint)`. */
  describe(): string {
    const where = this.position ? `${formatPosition(this.position)}: ` : '';
    const key = this.keyPath ? `${this.keyPath}: ` : '';
    const hint = this.hint ? ` — ${this.hint}` : '';
    return `${where}${key}${this.message}${hint}`;
  }

  /** Every error of this pass, this one first. */
  all(): UserError[] {
    return [this, ...this.related];
  }
}

/** A failure of the system underneath: a syscall, a runtime, the network. */
export class SystemError extends Error {
  override readonly name = 'SystemError';
  constructor(
    message: string,
    readonly operation: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  describe(): string {
    return `${this.operation}: ${this.message}${this.code ? ` (${this.code})` : ''}`;
  }
}

/**
 * A failed system call (Node's errno error: ENOSPC, EROFS, EACCES...) as a SystemError that keeps its
 * errno and names the call; undefined for anything else. The machine's state, not a bug in berth.
 */
export function systemCallError(error: unknown): SystemError | undefined {
  const errno = error as NodeJS.ErrnoException | null;
  if (!(error instanceof Error) || typeof errno?.code !== 'string' || typeof errno.syscall !== 'string') return undefined;
  return new SystemError(error.message, errno.path ? `${errno.syscall} ${errno.path}` : errno.syscall, errno.code, { cause: error });
}

/**
 * A value that does not parse (a duration, a port, a byte size). Thrown by pure syntax parsers that
 * know nothing of files; the caller turns it into a UserError with the position and key path.
 */
export class ValueError extends Error {
  override readonly name = 'ValueError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function formatPosition(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.col}`;
}

/** Turn a key path array into `services.web.ports[0]`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Something the user should know that does not stop the run (an ignored key, a deprecated form). */
export interface Warning {
  message: string;
  position?: SourcePosition | undefined;
  keyPath?: string | undefined;
}
