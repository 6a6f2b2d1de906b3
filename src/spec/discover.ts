// Discover phase: which compose files to read, the project directory, and the project name.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type SourcePosition, UserError } from '../errors.js';
import { isFile } from './is-file.js';

/** File names looked up in each directory, in compose's order of preference. */
export const DEFAULT_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
];
export const DEFAULT_OVERRIDE_NAMES = [
  'compose.override.yaml',
  'compose.override.yml',
  'docker-compose.override.yaml',
  'docker-compose.override.yml',
];

/** `-` as a file name means standard input, as with docker compose. */
export const STDIN_FILE = '-';

export interface FileSelection {
  files: string[];
  /** Set when several default names exist in one directory (compose warns and takes the first). */
  ambiguity?: string;
}

/**
 * Files named by `-f` or `COMPOSE_FILE` (resolved against `cwd`), else the first default name found
 * in `searchFrom` or one of its parents, plus its override file from the same directory.
 */
export function selectComposeFiles(options: {
  cwd: string;
  files?: string[] | undefined;
  composeFileVariable?: string | undefined;
  pathSeparator?: string | undefined;
  searchFrom: string;
}): FileSelection {
  const explicit = options.files?.length
    ? options.files
    : options.composeFileVariable
      ? options.composeFileVariable.split(options.pathSeparator || ':').filter((part) => part !== '')
      : undefined;
  if (explicit?.length) {
    return {
      files: explicit.map((file) => {
        if (file === STDIN_FILE) return file;
        const path = resolve(options.cwd, file);
        if (!existsSync(path)) {
          throw new UserError(`compose file ${path} not found`, {
            hint: 'check the path given with -f or COMPOSE_FILE',
            reason: 'missing-file',
          });
        }
        if (statSync(path).isDirectory()) {
          throw new UserError(`${path} is a directory, not a compose file`, {
            hint: `use -f ${join(file, 'compose.yaml')} or --project-directory ${file}`,
          });
        }
        return path;
      }),
    };
  }
  for (let dir = resolve(options.searchFrom); ; dir = dirname(dir)) {
    const found = DEFAULT_FILE_NAMES.filter((name) => isFile(join(dir, name)));
    if (found.length > 0) {
      const files = [join(dir, found[0]!)];
      const override = DEFAULT_OVERRIDE_NAMES.find((name) => isFile(join(dir, name)));
      if (override) files.push(join(dir, override));
      const ambiguity =
        found.length > 1
          ? `found multiple config files with supported names: ${found.join(', ')}; using ${found[0]}`
          : undefined;
      return ambiguity ? { files, ambiguity } : { files };
    }
    if (dirname(dir) === dir) break;
  }
  throw new UserError(
    `no configuration file provided: not found in ${resolve(options.searchFrom)} or its parents`,
    {
      hint: `create ${DEFAULT_FILE_NAMES[0]}, or name a file with -f`,
      reason: 'missing-file',
    },
  );
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Lowercase letters, digits, `-` and `_`, starting with a letter or digit (compose's rule). */
export function isValidProjectName(name: string): boolean {
  return PROJECT_NAME.test(name);
}

/** Turn a directory name into a valid project name, as compose does: lowercase, drop other characters. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export type ProjectNameSource = '-p' | 'COMPOSE_PROJECT_NAME' | 'name' | 'directory';

/** Pick the project name: `-p` > `COMPOSE_PROJECT_NAME` > top-level `name:` > directory basename. */
export function chooseProjectName(candidates: {
  flag?: string | undefined;
  variable?: string | undefined;
  topLevel?: string | undefined;
  /** Where the top-level `name:` was written, for the error. */
  topLevelPosition?: SourcePosition | undefined;
  projectDir: string;
}): { name: string; source: ProjectNameSource } {
  const explicit: Array<[string | undefined, ProjectNameSource]> = [
    [candidates.flag, '-p'],
    [candidates.variable, 'COMPOSE_PROJECT_NAME'],
    [candidates.topLevel, 'name'],
  ];
  for (const [value, source] of explicit) {
    if (value === undefined || value === '') continue;
    if (!PROJECT_NAME.test(value)) {
      throw new UserError(`invalid project name ${JSON.stringify(value)} (from ${source})`, {
        ...(source === 'name' ? { position: candidates.topLevelPosition, keyPath: 'name' } : {}),
        hint: `use lowercase letters, digits, "-" and "_", starting with a letter or digit, e.g. ${JSON.stringify(normalizeProjectName(value) || 'myapp')}`,
      });
    }
    return { name: value, source };
  }
  const name = normalizeProjectName(basename(candidates.projectDir));
  if (name === '') {
    throw new UserError(`cannot derive a project name from the directory ${candidates.projectDir}`, {
      hint: 'set one with -p NAME, COMPOSE_PROJECT_NAME or a top-level name: key',
    });
  }
  return { name, source: 'directory' };
}
