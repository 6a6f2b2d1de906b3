// Builds the environment a compose file is interpolated with: process env over `--env-file`s or `.env`.
//
// As in compose: explicit env files are read in order (later wins) and must exist; without them the
// project directory's `.env` is read when it exists (unless COMPOSE_DISABLE_ENV_FILE is true). A file's
// `${}` sees the process environment first, then the keys read so far. The files may set COMPOSE_*
// variables (COMPOSE_PROJECT_NAME, COMPOSE_FILE, COMPOSE_PROFILES, ...), which the caller reads
// through `lookup`.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { readEnvFile } from './env-file.js';
import type { EnvLookup } from './interpolate.js';

export interface ProjectEnvironmentOptions {
  /** Absolute project directory; its `.env` is the default env file. */
  projectDir: string;
  /** Absolute paths from repeatable `--env-file`; when non-empty, `.env` is not read. */
  envFiles?: readonly string[] | undefined;
  processEnv: Readonly<Record<string, string | undefined>>;
}

export interface ProjectEnvironment {
  /** Process env first, then the env files. */
  lookup: EnvLookup;
  /** What the env files set, in first-seen order (process env not included). */
  values: Map<string, string>;
  /** The env files read, in order. */
  sources: string[];
}

export async function loadProjectEnvironment(
  options: ProjectEnvironmentOptions,
): Promise<ProjectEnvironment> {
  const { processEnv } = options;
  const fromProcess: EnvLookup = (name) => {
    if (!Object.hasOwn(processEnv, name)) return undefined;
    const value = processEnv[name];
    return typeof value === 'string' ? value : undefined;
  };
  const sources = options.envFiles?.length
    ? [...options.envFiles]
    : await defaultEnvFiles(options.projectDir, fromProcess);

  const values = new Map<string, string>();
  for (const path of sources) {
    try {
      await readEnvFile(path, { lookup: fromProcess, into: values });
    } catch (error) {
      // The generic hint speaks of a compose file's `env_file:`; here the path came from --env-file.
      if (!(error instanceof UserError) || error.position || !options.envFiles?.length) throw error;
      throw error.with({ hint: 'check the path given with --env-file' });
    }
  }

  return { lookup: (name) => fromProcess(name) ?? values.get(name), values, sources };
}

/** `<projectDir>/.env` when it is a file and COMPOSE_DISABLE_ENV_FILE is not true. */
async function defaultEnvFiles(projectDir: string, fromProcess: EnvLookup): Promise<string[]> {
  const disable = fromProcess('COMPOSE_DISABLE_ENV_FILE');
  if (disable !== undefined && parseGoBool(disable)) return [];
  const path = join(projectDir, '.env');
  try {
    return (await stat(path)).isFile() ? [path] : [];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`, {
      hint: 'check its permissions',
    });
  }
}

/** strconv.ParseBool, which compose uses for COMPOSE_DISABLE_ENV_FILE; anything else is an error. */
function parseGoBool(value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new UserError(`COMPOSE_DISABLE_ENV_FILE must be a boolean, found ${JSON.stringify(value)}`, {
    hint: 'set it to true or false',
  });
}
