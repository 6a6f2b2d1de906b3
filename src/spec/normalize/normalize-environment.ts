// `environment` + `env_file`, `labels` + `label_file`, `build.args`: to sorted maps, as compose resolves them.
import { UserError } from '../../errors.js';
import { type ReadEnvFileOptions, readEnvFile } from '../env-file.js';
import { type KeyPath, type NormalizeScope, userError, whereIs } from './context.js';
import { cutOnce, type Doc, projectPath, scalarText, sortedRecord, stringMap } from './records.js';
import { isPlainMap } from '../plain-object.js';

export type EnvMapping = Record<string, string | null>;

/**
 * compose's MappingWithEquals: a map (null stays null) or a list of `KEY=value` / `KEY`.
 * A `KEY` without value is looked up in the project environment; when absent it stays null, and
 * the container gets no such variable.
 */
export function parseEnvironment(scope: NormalizeScope, path: KeyPath, value: unknown): EnvMapping {
  const out: EnvMapping = {};
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const [key, text] = cutOnce(scalarText(item), '=');
      if (/\s$/.test(key)) {
        throw userError(
          scope,
          [...path, index],
          `environment variable "${key}" is declared with a trailing space`,
          `write ${key.trimEnd()}=value without spaces around "="`,
        );
      }
      out[key] = text ?? null;
    });
  } else if (isPlainMap(value)) {
    for (const [key, item] of Object.entries(value)) out[key] = item === null ? null : scalarText(item);
  }
  return out;
}

/** Fill null entries from the project environment; `keepUnset` keeps the rest as null (else drops them). */
export function resolveFromEnvironment(
  scope: NormalizeScope,
  mapping: EnvMapping,
  keepUnset: boolean,
): EnvMapping {
  const out: EnvMapping = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (value !== null) out[key] = value;
    else {
      const found = scope.options.lookup(key);
      if (found !== undefined) out[key] = found;
      else if (keepUnset) out[key] = null;
    }
  }
  return out;
}

/**
 * The service's final environment: env files in order (later wins), then `environment:` on top —
 * including its unresolved null entries, as compose does. Keys sorted; empty → undefined.
 */
export async function normalizeServiceEnvironment(
  scope: NormalizeScope,
  servicePath: KeyPath,
  service: Doc,
): Promise<EnvMapping | undefined> {
  const declared = resolveFromEnvironment(
    scope,
    parseEnvironment(scope, [...servicePath, 'environment'], service.environment),
    true,
  );
  // As compose: the files parse into one map that starts with the declared values, so a file's
  // `${X}` sees the project environment, then `environment:`, then the files before it.
  const files = envFileEntries(service.env_file);
  const accumulated = new Map<string, string>();
  for (const [key, value] of Object.entries(declared)) if (value !== null) accumulated.set(key, value);
  for (const [index, file] of files.entries()) {
    const path =
      typeof service.env_file === 'string'
        ? [...servicePath, 'env_file']
        : [...servicePath, 'env_file', index];
    await readAt(scope, path, file.path, {
      required: file.required,
      raw: file.format === 'raw',
      lookup: (name) => scope.options.lookup(name) ?? declared[name] ?? undefined,
      into: accumulated,
    });
  }
  const fromFiles = files.length > 0 ? Object.fromEntries(accumulated) : {};
  const merged: EnvMapping = { ...fromFiles, ...declared };
  return Object.keys(merged).length > 0 ? sortedRecord(merged) : undefined;
}

interface EnvFileEntry {
  path: string;
  required: boolean;
  format?: string;
}

function envFileEntries(value: unknown): EnvFileEntry[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (isPlainMap(item)) {
      const entry: EnvFileEntry = { path: scalarText(item.path), required: item.required !== false };
      if (typeof item.format === 'string') entry.format = item.format;
      return entry;
    }
    return { path: scalarText(item), required: true };
  });
}

/** Labels from `label_file`s (in order; each may use the labels read before it), then `labels:` on top. */
export async function normalizeServiceLabels(
  scope: NormalizeScope,
  servicePath: KeyPath,
  service: Doc,
): Promise<Record<string, string> | undefined> {
  const fromFiles: Record<string, string> = {};
  const files = service.label_file === undefined || service.label_file === null ? [] : service.label_file;
  const list = Array.isArray(files) ? files : [files];
  for (const [index, file] of list.entries()) {
    const path = Array.isArray(files)
      ? [...servicePath, 'label_file', index]
      : [...servicePath, 'label_file'];
    const vars = await readAt(scope, path, scalarText(file), {
      required: true,
      raw: false,
      lookup: (name) => fromFiles[name],
    });
    Object.assign(fromFiles, vars);
  }
  const merged = { ...fromFiles, ...(stringMap(service.labels) ?? {}) };
  return Object.keys(merged).length > 0 ? sortedRecord(merged) : undefined;
}

/** `build.args`: like environment, but a name with no value and no variable is dropped. */
export function normalizeBuildArgs(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): EnvMapping | undefined {
  if (value === null || value === undefined) return undefined;
  const args = resolveFromEnvironment(scope, parseEnvironment(scope, path, value), false);
  return Object.keys(args).length > 0 ? sortedRecord(args) : undefined;
}

async function readAt(
  scope: NormalizeScope,
  path: KeyPath,
  file: string,
  options: ReadEnvFileOptions,
): Promise<Record<string, string>> {
  const absolute = projectPath(scope, file);
  try {
    return Object.fromEntries(await readEnvFile(absolute, options));
  } catch (error) {
    // env-file reports syntax errors at the env file's own line; a missing file is about this key.
    if (error instanceof UserError) {
      if (error.position) throw error;
      throw error.with(whereIs(scope, path));
    }
    throw userError(
      scope,
      path,
      `cannot read ${absolute}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
