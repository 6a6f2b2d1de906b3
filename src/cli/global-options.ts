// The options every compose command shares (-f, -p, --project-directory, --env-file, --profile, --progress, --ansi).
import { type Command, Option } from 'commander';
import type { LoadProjectOptions } from '../spec/load-project.js';
import { ANSI_MODES, type AnsiMode, PROGRESS_MODES, type ProgressMode } from './progress/progress-reporter.js';

export interface GlobalOptions {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
  debug?: boolean;
  progress?: ProgressMode;
  ansi?: AnsiMode;
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
    .addOption(
      new Option('--progress <mode>', 'how up, stop and down show progress on stderr (auto: tty on a terminal, else plain)').choices(PROGRESS_MODES),
    )
    .addOption(new Option('--ansi <when>', 'control characters and colour (auto: on a terminal, unless NO_COLOR is set)').choices(ANSI_MODES))
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
