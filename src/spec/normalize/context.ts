// What every normalise step shares: the source document (for positions), the options, and how to fail.
import { formatKeyPath, type SourcePosition, UserError, ValueError, type Warning } from '../../errors.js';
import { locate } from '../source-position.js';
import type { EnvLookup } from '../interpolate.js';

/** Looks a variable up in the project environment (process env over `.env`). */

export interface NormalizeOptions {
  projectName: string;
  /** Absolute; relative paths in the document are resolved against it. */
  projectDir: string;
  lookup: EnvLookup;
  /** Normalise appends one entry per note (ignored key, deprecated form). */
  warnings: Warning[];
  /** Where `~` points; defaults to the process's home directory. */
  homeDir?: string;
}

export type KeyPath = readonly (string | number)[];

export interface NormalizeScope {
  /** The merged document as given, used only to find positions. */
  readonly document: Record<string, unknown>;
  readonly options: NormalizeOptions;
  readonly homeDir: string;
}

/** A UserError pointing at `path` in the document. */
/** Where `path` is, for an error: its position in the user's file and its key path. */
export function whereIs(scope: NormalizeScope, path: KeyPath): { position: SourcePosition | undefined; keyPath: string } {
  return { position: locate(scope.document, path), keyPath: formatKeyPath(path) };
}

export function userError(scope: NormalizeScope, path: KeyPath, message: string, hint?: string): UserError {
  return new UserError(message, { ...whereIs(scope, path), hint });
}

export function warn(scope: NormalizeScope, path: KeyPath, message: string): void {
  scope.options.warnings.push({
    message,
    position: locate(scope.document, path),
    keyPath: formatKeyPath(path),
  });
}

/** Run a pure syntax parser; its ValueError becomes a UserError at `path`. */
export function parseAt<T>(scope: NormalizeScope, path: KeyPath, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValueError) throw userError(scope, path, error.message, error.hint);
    throw error;
  }
}
