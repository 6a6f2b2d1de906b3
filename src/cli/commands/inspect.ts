// `berth inspect CONTAINER_OR_SERVICE...`: containers in `docker inspect`'s JSON shape (state, health, config, networks, mounts).
import type { Command } from 'commander';
import { identityFromLabels } from '../../engine/compose-labels.js';
import { inspectContainers } from '../../engine/container-inspect.js';
import { UserError } from '../../errors.js';
import { ContainerRuntime, type ContainerStatus } from '../../runtime/container-runtime.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { parseInspectTemplate, renderInspectTemplate } from '../inspect-template.js';
import { type SelectedProject, selectProject } from '../project-selection.js';

interface InspectOptions {
  format: string;
}

export interface ResolvedTargets {
  statuses: ContainerStatus[];
  /** Names that matched nothing. */
  missing: string[];
}

/** A container by its full id or its name (with or without docker's leading /). */
export function containerByReference(statuses: readonly ContainerStatus[], reference: string): ContainerStatus | undefined {
  const name = reference.replace(/^\//, '');
  return statuses.find((status) => status.record.id === reference || status.record.name === name);
}

/** A container by an unambiguous id prefix; undefined when none has it. */
export function containerByIdPrefix(statuses: readonly ContainerStatus[], reference: string): ContainerStatus | undefined {
  if (!/^[0-9a-f]+$/.test(reference)) return undefined;
  const prefixed = statuses.filter((status) => status.record.id.startsWith(reference));
  if (prefixed.length > 1) throw new UserError(`multiple containers have ids starting with ${reference}`, { hint: 'give more of the id, or the name' });
  return prefixed[0];
}

/** A service's containers in the project (replicas by number; one-off `run` containers are not the service's). */
export function serviceContainers(statuses: readonly ContainerStatus[], project: string, service: string): ContainerStatus[] {
  return statuses
    .map((status) => ({ status, identity: identityFromLabels(status.record.labels) }))
    .filter(({ identity }) => identity?.project === project && identity.service === service && !identity.oneoff)
    .sort((a, b) => (a.identity?.number ?? 0) - (b.identity?.number ?? 0))
    .map(({ status }) => status);
}

/**
 * Each reference is a container (id or name) first, then a service of the selected project (only
 * looked up then: a container name needs no compose file), then an id prefix (so a service named
 * `db` is not taken for an id starting with db).
 */
export async function resolveTargets(statuses: readonly ContainerStatus[], references: readonly string[], project: () => Promise<SelectedProject | undefined>): Promise<ResolvedTargets> {
  const chosen: ContainerStatus[] = [];
  const missing: string[] = [];
  for (const reference of references) {
    const container = containerByReference(statuses, reference);
    if (container) {
      chosen.push(container);
      continue;
    }
    const selected = await project();
    const ofService = selected ? serviceContainers(statuses, selected.name, reference) : [];
    const found = ofService.length > 0 ? ofService : [containerByIdPrefix(statuses, reference)].filter((status) => status !== undefined);
    if (found.length === 0) missing.push(reference);
    chosen.push(...found);
  }
  return { statuses: chosen.filter((status, index) => chosen.indexOf(status) === index), missing };
}

export function registerInspectCommand(program: Command, context: CommandContext): void {
  program
    .command('inspect')
    .description('Show containers in detail, as docker inspect does: state, health and its last probes, config, networks, ports, mounts')
    .argument('<containers...>', 'container names or ids, or services of the project (each of their containers)')
    .option('--format <format>', 'json, or a template: {{.State.Health.Status}}, {{json .NetworkSettings.Networks}}, {{index .Config.Labels "key"}}', 'json')
    .addHelpText(
      'after',
      `
Exit status: 1 when a name matches nothing (the others are printed first).

Examples:
  berth inspect db                                    every container of the service db
  berth inspect myapp-db-1                            one container by name (no compose file needed)
  berth inspect --format '{{.State.Health.Status}}' db
  berth inspect --format '{{json .State.Health.Log}}' db     the last five probes with their output
  berth inspect --format '{{.NetworkSettings.Ports}}' web    published ports as JSON`,
    )
    .action(async (references: string[], options: InspectOptions, command: Command) => {
      const template = options.format === 'json' ? undefined : parseInspectTemplate(options.format);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = statePathsFromEnv(context.env);
      const runtime = new ContainerRuntime(paths);
      try {
        let selection: Promise<SelectedProject | undefined> | undefined;
        const project = (): Promise<SelectedProject | undefined> => (selection ??= selectProject(globals, context).catch(() => undefined));
        const { statuses, missing } = await resolveTargets(await runtime.list(), references, project);
        const documents = await inspectContainers(paths, runtime, statuses);
        if (template) context.stdout.write(documents.map((document) => `${renderInspectTemplate(template, document)}\n`).join(''));
        else context.stdout.write(`${JSON.stringify(documents, null, 4)}\n`);
        if (missing.length > 0) {
          const selected = await project();
          throw new UserError(`no such container${selected ? ' or service' : ''}: ${missing.join(', ')}`, {
            hint: selected ? `list them with \`berth -p ${selected.name} ps -a\`` : 'no compose file was found to look services up in; give -f or -p, or a container name',
          });
        }
      } finally {
        runtime.close();
      }
    });
}
