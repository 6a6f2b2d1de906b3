// Which project a read-only command looks at: the loaded compose model, or only its name (compose's projectOrName).
import { UserError } from '../errors.js';
import { loadProject } from '../spec/load-project.js';
import type { Project } from '../spec/model.js';
import { disabledServices } from '../spec/profiles.js';
import type { CommandContext } from './command-context.js';
import { type GlobalOptions, toLoadOptions } from './global-options.js';
import { reportWarnings } from './report.js';

export interface SelectedProject {
  /** The project name, which the containers' `com.docker.compose.project` label carries. */
  name: string;
  /** The model, when compose files were read. */
  project?: Project | undefined;
}

/**
 * As compose: `-p NAME` without `-f` names the project and reads no file (so it works from any
 * directory, and for projects whose files are gone). Otherwise the files are loaded; when that
 * fails, COMPOSE_PROJECT_NAME still names the project, else the error stands.
 */
export async function selectProject(globals: GlobalOptions, context: CommandContext): Promise<SelectedProject> {
  if (globals.projectName !== undefined && globals.file.length === 0) return { name: globals.projectName.toLowerCase() };
  try {
    const loaded = await loadProject({ ...toLoadOptions(globals, context.cwd), env: context.env });
    reportWarnings(loaded.warnings, context.stderr);
    return { name: loaded.project.name, project: loaded.project };
  } catch (error) {
    const fromEnvironment = context.env['COMPOSE_PROJECT_NAME'];
    if (fromEnvironment) return { name: fromEnvironment.toLowerCase() };
    throw error;
  }
}

/** Every service the files declare, profiles or not (a service named on the command line is enabled by that). */
export function declaredServices(project: Project): string[] {
  return [...Object.keys(project.services), ...Object.keys(disabledServices(project))];
}

/** compose's check of SERVICE arguments against the model: "no such service: x". */
export function checkServiceNames(selected: SelectedProject, services: readonly string[]): void {
  if (!selected.project) return;
  const known = declaredServices(selected.project);
  for (const service of services) {
    if (!known.includes(service)) {
      throw new UserError(`no such service: ${service}`, { hint: `the services are: ${known.join(', ') || '(none)'}` });
    }
  }
}
