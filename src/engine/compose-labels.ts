// The labels docker compose puts on its containers, so tools and users recognise berth's (design §7).
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  configHash: 'com.docker.compose.config-hash',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  version: 'com.docker.compose.version',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
} as const;

/** The project's directory and files, as the CLI loaded them: carried in the model under this extension key. */
export const PROJECT_ORIGIN_KEY = 'x-berth-origin';

export interface ProjectOrigin {
  readonly workingDir: string;
  readonly configFiles: readonly string[];
}

/** compose's working_dir and config_files labels, when the model says where it came from. */
export function originLabels(project: object): Record<string, string> {
  const origin = (project as Record<string, unknown>)[PROJECT_ORIGIN_KEY] as Partial<ProjectOrigin> | undefined;
  if (!origin || typeof origin.workingDir !== 'string' || !Array.isArray(origin.configFiles)) return {};
  return { [LABEL.workingDir]: origin.workingDir, [LABEL.configFiles]: origin.configFiles.join(',') };
}

export interface ContainerIdentity {
  readonly project: string;
  readonly service: string;
  readonly number: number;
  readonly configHash: string;
  readonly oneoff: boolean;
}

/** The compose labels of one container. */
export function composeLabels(identity: ContainerIdentity, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    ...extra,
    [LABEL.project]: identity.project,
    [LABEL.service]: identity.service,
    [LABEL.number]: String(identity.number),
    [LABEL.configHash]: identity.configHash,
    [LABEL.oneoff]: identity.oneoff ? 'True' : 'False',
  };
}

/** Read the identity back from a container's labels; undefined for containers that are not a project's. */
export function identityFromLabels(labels: Readonly<Record<string, string>>): ContainerIdentity | undefined {
  const project = labels[LABEL.project];
  const service = labels[LABEL.service];
  const number = Number(labels[LABEL.number]);
  if (project === undefined || service === undefined || !Number.isInteger(number)) return undefined;
  return {
    project,
    service,
    number,
    configHash: labels[LABEL.configHash] ?? '',
    oneoff: labels[LABEL.oneoff] === 'True',
  };
}
