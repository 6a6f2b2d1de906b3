// The options every compose command shares (-f, -p, --project-directory, --env-file, --profile).
import type { Command } from 'commander';
import type { LoadProjectOptions } from '../spec/load-project.js';

export interface GlobalOptions {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
  debug?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function addGlobalOptions(program: Command): Command {
  return program
    .option(
      '-f, --file <path>',
      'compose file (repeatable; later files override earlier ones; - for stdin)',
      collect,
      [],
    )
    .option('-p, --project-name <name>', 'project name (default: name: in the file, else the directory name)')
    .option(
      '--project-directory <dir>',
      'project directory (default: the directory of the first compose file)',
    )
    .option(
      '--env-file <path>',
      'environment file for interpolation (repeatable; replaces .env)',
      collect,
      [],
    )
    .option(
      '--profile <name>',
      'enable services of this profile (repeatable; default: COMPOSE_PROFILES)',
      collect,
      [],
    )
    .option('--debug', 'show stack traces and internal detail (also BERTH_DEBUG=1)');
}

export function toLoadOptions(options: GlobalOptions, cwd: string): LoadProjectOptions {
  return {
    cwd,
    ...(options.file.length ? { files: options.file } : {}),
    ...(options.projectName !== undefined ? { projectName: options.projectName } : {}),
    ...(options.projectDirectory !== undefined ? { projectDirectory: options.projectDirectory } : {}),
    ...(options.envFile.length ? { envFiles: options.envFile } : {}),
    ...(options.profile.length ? { profiles: options.profile } : {}),
  };
}
