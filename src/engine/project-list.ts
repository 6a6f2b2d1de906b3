// The projects that have containers (what `ls` lists): grouped by their compose project label, with combined states.
import { ContainerRuntime } from '../runtime/container-runtime.js';
import type { StatePaths } from '../state/paths.js';
import { LABEL } from './compose-labels.js';
import { type ContainerStateName, dockerState } from './project-containers.js';

/** One row of `ls`, with compose's field names (its `--format json` keys). */
export interface ProjectSummary {
  Name: string;
  /** `exited(1), running(3)`: each state with its count, states sorted. */
  Status: string;
  /** The compose files the containers were made from (their config_files label), or "N/A". */
  ConfigFiles: string;
}

/** A container as `ls` needs it. */
export interface LabelledContainer {
  labels: Readonly<Record<string, string>>;
  state: ContainerStateName;
}

/** compose's combinedStatus: `state(count)` for each state present, sorted by state name. */
export function combinedStatus(states: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts.keys()].sort().map((state) => `${state}(${counts.get(state) ?? 0})`).join(', ');
}

/** Each file once, in the order the containers name them; "N/A" when a container does not say (compose's rule). */
function combinedConfigFiles(containers: readonly LabelledContainer[]): string {
  const files: string[] = [];
  for (const container of containers) {
    const label = container.labels[LABEL.configFiles];
    if (label === undefined) return 'N/A';
    for (const file of label.split(',')) if (!files.includes(file)) files.push(file);
  }
  return files.join(',');
}

/** Group by project, sorted by name. Containers without a project label are not a project's. */
export function projectSummaries(containers: readonly LabelledContainer[]): ProjectSummary[] {
  const byProject = new Map<string, LabelledContainer[]>();
  for (const container of containers) {
    const project = container.labels[LABEL.project];
    if (project === undefined) continue;
    byProject.set(project, [...(byProject.get(project) ?? []), container]);
  }
  return [...byProject.keys()].sort().map((name) => {
    const members = byProject.get(name) ?? [];
    return { Name: name, Status: combinedStatus(members.map((container) => container.state)), ConfigFiles: combinedConfigFiles(members) };
  });
}

/** What Docker lists without `--all` (paused and restarting containers are running ones). */
const RUNNING: ReadonlySet<ContainerStateName> = new Set(['running', 'paused', 'restarting']);

/** Every project with running containers, or with any containers when `all`. Reads records; asks runc only for unproven pids. */
export async function listProjects(paths: StatePaths, options: { all?: boolean | undefined } = {}): Promise<ProjectSummary[]> {
  const runtime = new ContainerRuntime(paths);
  try {
    const containers = (await runtime.list()).map((status) => ({ labels: status.record.labels, state: dockerState(status).state }));
    return projectSummaries(options.all ? containers : containers.filter((container) => RUNNING.has(container.state)));
  } finally {
    runtime.close();
  }
}
