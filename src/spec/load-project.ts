// The spec pipeline: options + files + environment → one canonical, checked Project.
//
// discover → environment → load files (parse, interpolate, validate, include, extends, merge)
// → project name → normalise → profiles → project checks. Pure apart from reading files.
import { dirname, resolve } from 'node:path';
import { UserError, type Warning } from '../errors.js';
import { checkProject } from './check-project.js';
import { chooseProjectName, type ProjectNameSource, STDIN_FILE, selectComposeFiles } from './discover.js';
import { loadComposeFiles } from './load-compose-files.js';
import type { Project } from './model.js';
import { normalizeProject } from './normalize/normalize-project.js';
import { selectServices } from './profiles.js';
import { loadProjectEnvironment } from './project-environment.js';
import { keyPosition, locate } from './source-position.js';

export interface LoadProjectOptions {
  /** Directory that relative `-f` paths and the default file search start from. */
  cwd?: string;
  /** `-f` files, in order. */
  files?: string[];
  /** `--project-directory`. */
  projectDirectory?: string;
  /** `-p`. */
  projectName?: string;
  /** `--env-file`, in order (resolved against cwd). */
  envFiles?: string[];
  /** `--profile`; when absent, `COMPOSE_PROFILES`. */
  profiles?: string[];
  /** Services named on the command line: enabled with their dependencies even if their profile is not. */
  services?: string[];
  /** `--no-interpolate` sets this to false. */
  interpolate?: boolean;
  /** The process environment (defaults to `process.env`). */
  env?: Record<string, string | undefined>;
  /** Bytes of standard input, for `-f -`. */
  readStdin?: () => Uint8Array;
}

export interface LoadedProject {
  project: Project;
  warnings: Warning[];
  /** The files read, absolute (or `-`). */
  files: string[];
  projectDir: string;
  projectNameSource: ProjectNameSource;
  /** Variables from the environment files, before process env was applied. */
  environment: Map<string, string>;
  /** Profiles that were active. */
  profiles: string[];
  /** Every profile some service names, sorted (for `config --profiles`). */
  allProfiles: string[];
}

export async function loadProject(options: LoadProjectOptions = {}): Promise<LoadedProject> {
  try {
    return await loadProjectUnchecked(options);
  } catch (error) {
    // Every mistake found while loading is a mistake in the project (compose's exit code 15),
    // unless it already says what kind it is (a missing file: 14).
    if (error instanceof UserError && error.reason === undefined) throw error.with({ reason: 'invalid-project' });
    throw error;
  }
}

async function loadProjectUnchecked(options: LoadProjectOptions): Promise<LoadedProject> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const processEnv = options.env ?? process.env;
  const warnings: Warning[] = [];
  const envFiles = options.envFiles?.map((file) => resolve(cwd, file));
  const explicitDir = options.projectDirectory ? resolve(cwd, options.projectDirectory) : undefined;
  const firstFile = options.files?.find((file) => file !== STDIN_FILE);

  // .env is read from the project directory; before the files are known that is the explicit one,
  // the first -f file's directory, or the working directory.
  const provisionalDir = explicitDir ?? (firstFile ? dirname(resolve(cwd, firstFile)) : cwd);
  let environment = await loadProjectEnvironment({ projectDir: provisionalDir, envFiles, processEnv });

  const selection = selectComposeFiles({
    cwd,
    files: options.files,
    composeFileVariable: environment.lookup('COMPOSE_FILE'),
    pathSeparator: environment.lookup('COMPOSE_PATH_SEPARATOR'),
    searchFrom: explicitDir ?? cwd,
  });
  if (selection.ambiguity) warnings.push({ message: selection.ambiguity });
  const first = selection.files.find((file) => file !== STDIN_FILE);
  const projectDir = explicitDir ?? (first ? dirname(first) : cwd);
  if (projectDir !== provisionalDir && !envFiles) {
    environment = await loadProjectEnvironment({ projectDir, envFiles, processEnv });
  }

  const document = await loadComposeFiles(selection.files, {
    lookup: environment.lookup,
    interpolate: options.interpolate ?? true,
    warnings,
    displayBase: cwd,
    readStdin: options.readStdin,
  });


  const topLevelName = typeof document.name === 'string' ? document.name : undefined;
  const { name, source } = chooseProjectName({
    flag: options.projectName,
    variable: environment.lookup('COMPOSE_PROJECT_NAME'),
    topLevel: topLevelName,
    topLevelPosition: keyPosition(document, 'name'),
    projectDir,
  });

  const fullProject = await normalizeProject(document, {
    projectName: name,
    projectDir,
    lookup: environment.lookup,
    warnings,
  });
  const profiles = options.profiles ?? splitList(environment.lookup('COMPOSE_PROFILES'));
  const project = selectServices(fullProject, { profiles, explicitServices: options.services ?? [] });
  const errors = checkProject(project, (path: readonly (string | number)[]) => locate(document, path));
  if (errors.length > 0) throw UserError.combine(errors);
  return {
    project,
    warnings,
    files: selection.files,
    projectDir,
    projectNameSource: source,
    environment: environment.values,
    profiles,
    allProfiles: [
      ...new Set(Object.values(fullProject.services).flatMap((service) => service.profiles ?? [])),
    ].sort(),
  };
}

function splitList(value: string | undefined): string[] {
  return value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];
}
