// How errors and warnings look on the terminal: one line of what went wrong, one of what to do.
import { formatPosition, SystemError, systemCallError, UserError, type Warning } from '../errors.js';
import { isDiskFull } from '../state/disk-full.js';
import { ExitCode } from './exit-codes.js';

export interface Reporter {
  write(text: string): void;
}

export function reportWarnings(warnings: readonly Warning[], out: Reporter): void {
  for (const warning of warnings) {
    const where = warning.position ? `${formatPosition(warning.position)}: ` : '';
    const key = warning.keyPath ? `${warning.keyPath}: ` : '';
    out.write(`warning: ${where}${key}${warning.message}\n`);
  }
}

/** Print an error and return the exit code it deserves. Stack traces only with `debug`. */
/** Ends a command with an exit code and nothing more to say (attached `up` after Ctrl-C: 130). */
export class CommandExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function reportError(error: unknown, out: Reporter, debug: boolean): number {
  if (error instanceof CommandExit) return error.exitCode;
  const code = describeError(error, out, debug);
  // An error that carries its own exit code (a command's in a container, `daemon status`) ends with it.
  const carried = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof carried === 'number' && Number.isInteger(carried) ? carried : code;
}

function describeError(thrown: unknown, out: Reporter, debug: boolean): ExitCode {
  // A failed system call (a full disk, a read-only file system) is the machine's state, not a bug.
  const error = systemCallError(thrown) ?? thrown;
  if (error instanceof UserError) {
    const all = error.all();
    for (const one of all) {
      const where = one.position ? `${formatPosition(one.position)}: ` : '';
      const key = one.keyPath ? `${one.keyPath}: ` : '';
      out.write(`error: ${where}${key}${one.message}\n`);
      if (one.hint) out.write(`  hint: ${one.hint}\n`);
    }
    if (all.length > 1) out.write(`${all.length} errors\n`);
    if (debug && error.stack) out.write(`${error.stack}\n`);
    if (error.reason === 'missing-file') return ExitCode.fileNotFound;
    return error.reason === 'invalid-project' ? ExitCode.invalidProject : ExitCode.failure;
  }
  if (error instanceof SystemError) {
    out.write(`error: ${error.describe()}\n`);
    const hint = errnoHint(error);
    if (hint !== undefined) out.write(`  hint: ${hint}\n`);
    if (debug && error.stack) out.write(`${error.stack}\n`);
    return ExitCode.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  out.write(`error: internal error: ${message}\n`);
  out.write('  hint: this is a bug in berth; run again with --debug and report the output\n');
  if (debug && error instanceof Error && error.stack) out.write(`${error.stack}\n`);
  return ExitCode.failure;
}

/** What to do about a system call that failed for a reason of the machine's, by errno; undefined for anything else. */
function errnoHint(error: SystemError): string | undefined {
  if (isDiskFull(error)) return 'the disk is full (BERTH_ROOT, or the directory named): free some space (berth image prune, berth volume prune), then run the command again';
  switch (error.code) {
    case 'EROFS':
      return 'the file system is read-only: point BERTH_ROOT at a writable one';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files: raise the limit (ulimit -n) or close other programs';
    case 'EIO':
      return 'the disk reported an I/O error: check it (dmesg)';
    default:
      return undefined;
  }
}
