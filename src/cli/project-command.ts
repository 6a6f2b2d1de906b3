// What the stack commands share: load the project from the global options, open an engine, print outcomes.
import type { Command } from 'commander';
import type { RequestOutcome } from '../engine/request-outcome.js';
import { UserError } from '../errors.js';
import { isValidProjectName } from '../spec/discover.js';
import { loadProject, type LoadedProject } from '../spec/load-project.js';
import type { Project } from '../spec/model.js';
import { statePathsFromEnv } from '../state/paths.js';
import { projectByName } from './project-by-name.js';
import { selectServices } from '../spec/profiles.js';
import { PROJECT_ORIGIN_KEY, type ProjectOrigin } from '../engine/compose-labels.js';
import type { CommandContext } from './command-context.js';
import { type GlobalOptions, toLoadOptions } from './global-options.js';
import { reportWarnings } from './report.js';

export async function loadCommandProject(command: Command, context: CommandContext, services: readonly string[] = []): Promise<LoadedProject> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const loaded = await loadProject({ ...toLoadOptions(globals, context.cwd), env: context.env, ...(services.length ? { services: [...services] } : {}) });
  reportWarnings(loaded.warnings, context.stderr);
  for (const service of services) {
    if (!loaded.project.services[service]) throw new UserError(`no such service: ${service}`, { hint: `services: ${Object.keys(loaded.project.services).join(', ')}` });
  }
  // The engine gets every enabled service (the named ones' profiles count as enabled) and selects on
  // its own: its session keeps looking after the services a command does not name. (selectServices
  // finds the unselected services through the loaded model object itself: call it before copying it.)
  const profiles = [...new Set([...loaded.profiles, ...services.flatMap((name) => loaded.project.services[name]?.profiles ?? [])])];
  const project = services.length === 0 ? loaded.project : selectServices(loaded.project, { profiles, explicitServices: [] });
  // Where the project came from, for the compose labels of its containers (`berth ls` shows them).
  const origin: ProjectOrigin = { workingDir: loaded.projectDir, configFiles: loaded.files };
  return { ...loaded, project: { ...project, [PROJECT_ORIGIN_KEY]: origin }, profiles };
}

/**
 * The project `down` takes away. When its files no longer load (an edit broke them, a file is gone),
 * a name from -p or COMPOSE_PROJECT_NAME still says what berth made: down then goes by the name's
 * labels, as compose's `-p NAME down` does without files. Without a name, the load error stands.
 */
export async function loadProjectForDown(command: Command, context: CommandContext): Promise<{ project: Project; byName: boolean }> {
  try {
    return { project: (await loadCommandProject(command, context)).project, byName: false };
  } catch (error) {
    const name = command.optsWithGlobals<GlobalOptions>().projectName ?? context.env.COMPOSE_PROJECT_NAME;
    if (!(error instanceof UserError) || name === undefined || !isValidProjectName(name)) throw error;
    context.stderr.write(`warning: ${error.describe()}\nwarning: the compose files do not load; taking down project ${name} by its labels\n`);
    return { project: await projectByName(name, statePathsFromEnv(context.env), context.cwd), byName: true };
  }
}

/** `-t/--timeout` seconds → milliseconds. */
export function parseSeconds(value: string, flag: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UserError(`${flag} expects a number of seconds, found "${value}"`, { hint: `e.g. ${flag} 10` });
  return seconds * 1000;
}

/** Throws a UserError naming every failed service (the command then exits 1). */
export function requireSuccess(outcome: RequestOutcome, verb: string): void {
  if (outcome.ok) return;
  const lines = [...outcome.failures.map(({ service, reason }) => `service ${service}: ${reason}`), ...outcome.errors];
  // The logs help when a container ran and ended badly; a step that failed says what to fix itself.
  const containersRan = outcome.failures.some(({ reason }) => /exited|unhealthy|health/.test(reason));
  const hint = outcome.hints?.length ? outcome.hints.join('; ') : containersRan ? 'see `berth logs SERVICE` for what the containers printed' : 'fix what the message names, then run the command again';
  throw new UserError(`${verb} failed: ${lines.join('; ')}`, { hint });
}

/** compose's warning for containers of services no longer in the files (they also keep `down` from removing networks). */
export function reportOrphans(outcome: RequestOutcome, stderr: { write(text: string): unknown }, verb: 'up' | 'down'): void {
  if (!outcome.orphans?.length) return;
  const kept = verb === 'down' ? '; they keep the project\'s networks in use' : '';
  stderr.write(
    `warning: found orphan containers (${outcome.orphans.join(', ')}) for this project${kept}. ` +
      'If you removed or renamed this service in your compose file, run this command with --remove-orphans to clean it up.\n',
  );
}
