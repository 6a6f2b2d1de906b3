// Normalise phase: the merged, interpolated, validated document → the canonical Project.
import { type ModelConfig, type Project, projectMeta, type ServiceConfig } from '../model.js';
import { copyPositions } from '../source-position.js';
import { checkServiceConsistency } from './consistency.js';
import type { NormalizeOptions, NormalizeScope } from './context.js';
import { normalizeFileObjects } from './normalize-files.js';
import { normalizeTopLevelNetworks } from './normalize-networks.js';
import { normalizeService } from './normalize-service.js';
import { normalizeTopLevelVolumes } from './normalize-volumes.js';
import {
  copyExtensions,
  type Doc,
  defaultHomeDir,
  integerAt,
  put,
  scalarText,
  sortedRecord,
  stringList,
} from './records.js';
import { warnUnsupportedKeys } from './unsupported-keys.js';
import { isPlainMap } from '../plain-object.js';

export type { NormalizeOptions } from './context.js';

export async function normalizeProject(document: Doc, options: NormalizeOptions): Promise<Project> {
  const scope: NormalizeScope = { document, options, homeDir: options.homeDir ?? defaultHomeDir() };
  warnUnsupportedKeys(scope, document);

  const rawServices: Doc = isPlainMap(document.services) ? document.services : {};
  const services: Record<string, ServiceConfig> = {};
  for (const name of Object.keys(rawServices)) {
    services[name] = await normalizeService(scope, name, rawServices[name]);
    copyPositions(rawServices[name] as object, services[name]);
  }
  const defaultUsed = Object.values(services).some(
    (service) => service.networks && 'default' in service.networks,
  );

  const project = {
    name: options.projectName,
    services: sortedRecord(services),
    networks: normalizeTopLevelNetworks(scope, document.networks, defaultUsed),
    volumes: normalizeTopLevelVolumes(scope, document.volumes),
    secrets: normalizeFileObjects(scope, 'secrets', document.secrets),
    configs: normalizeFileObjects(scope, 'configs', document.configs),
  } as Project;
  put(project, 'models', normalizeModels(scope, document.models));
  copyExtensions(document, project);
  Object.defineProperty(project, projectMeta, {
    value: { workingDir: options.projectDir },
    enumerable: false,
  });

  copyPositions(document, project);
  copyPositions(rawServices, project.services);
  for (const key of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    if (isPlainMap(document[key])) copyPositions(document[key] as object, project[key]);
  }
  checkServiceConsistency(scope, project);
  return project;
}

function normalizeModels(scope: NormalizeScope, value: unknown): Record<string, ModelConfig> | undefined {
  if (!isPlainMap(value)) return undefined;
  const out: Record<string, ModelConfig> = {};
  for (const [key, raw] of Object.entries(value)) {
    const source: Doc = isPlainMap(raw) ? raw : {};
    const model: ModelConfig = {};
    if (source.name !== undefined) model.name = scalarText(source.name);
    if (source.model !== undefined) model.model = scalarText(source.model);
    if (source.context_size !== undefined) {
      model.context_size = integerAt(scope, ['models', key, 'context_size'], source.context_size);
    }
    put(model, 'runtime_flags', stringList(source.runtime_flags));
    copyExtensions(source, model);
    out[key] = model;
  }
  return Object.keys(out).length > 0 ? sortedRecord(out) : undefined;
}
