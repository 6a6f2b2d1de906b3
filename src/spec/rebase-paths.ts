// Make relative paths absolute in services and resources that came from another directory.
//
// An `extends` base or an `include`d file names paths relative to its own directory; once its
// services join the project they must keep pointing at the same files, so we resolve them first.
import { isAbsolute, resolve } from 'node:path';
import { copyPositions } from './source-position.js';
import { isPlainMap } from './plain-object.js';

type Doc = Record<string, unknown>;

export function rebaseServicePaths(service: Doc, fromDir: string): Doc {
  const out = shallowCopy(service);
  if (typeof out.build === 'string') out.build = rebaseContext(out.build, fromDir);
  else if (isPlainMap(out.build) && typeof out.build.context === 'string') {
    out.build = withPositions(out.build, { ...out.build, context: rebaseContext(out.build.context, fromDir) });
  }
  for (const key of ['env_file', 'label_file'] as const) {
    if (out[key] !== undefined) out[key] = mapPaths(out[key], fromDir);
  }
  if (Array.isArray(out.volumes)) out.volumes = out.volumes.map((volume) => rebaseVolume(volume, fromDir));
  if (isPlainMap(out.extends) && typeof out.extends.file === 'string') {
    out.extends = withPositions(out.extends, { ...out.extends, file: resolve(fromDir, out.extends.file) });
  }
  return out;
}

/** Rebase services and file-backed secrets/configs of a whole included document. */
export function rebaseDocumentPaths(document: Doc, fromDir: string): Doc {
  const out = shallowCopy(document);
  if (isPlainMap(out.services)) {
    const services = shallowCopy(out.services);
    for (const [name, service] of Object.entries(services)) {
      if (isPlainMap(service)) services[name] = rebaseServicePaths(service, fromDir);
    }
    out.services = services;
  }
  for (const key of ['secrets', 'configs'] as const) {
    if (!isPlainMap(out[key])) continue;
    const resources = shallowCopy(out[key] as Doc);
    for (const [name, resource] of Object.entries(resources)) {
      if (isPlainMap(resource) && typeof resource.file === 'string') {
        resources[name] = withPositions(resource, { ...resource, file: resolve(fromDir, resource.file) });
      }
    }
    out[key] = resources;
  }
  return out;
}

function rebaseContext(context: string, fromDir: string): string {
  // Git URLs and remote contexts are not paths.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@')) return context;
  return resolve(fromDir, context);
}

function mapPaths(value: unknown, fromDir: string): unknown {
  if (typeof value === 'string') return resolve(fromDir, value);
  if (Array.isArray(value)) return value.map((item) => mapPaths(item, fromDir));
  if (isPlainMap(value) && typeof value.path === 'string') {
    return withPositions(value, { ...value, path: resolve(fromDir, value.path) });
  }
  return value;
}

function rebaseVolume(volume: unknown, fromDir: string): unknown {
  if (typeof volume === 'string') {
    if (!volume.startsWith('.')) return volume;
    const colon = volume.indexOf(':');
    if (colon < 0) return volume;
    return resolve(fromDir, volume.slice(0, colon)) + volume.slice(colon);
  }
  if (
    isPlainMap(volume) &&
    volume.type === 'bind' &&
    typeof volume.source === 'string' &&
    !isAbsolute(volume.source)
  ) {
    if (volume.source.startsWith('~')) return volume;
    return withPositions(volume, { ...volume, source: resolve(fromDir, volume.source) });
  }
  return volume;
}

function shallowCopy(value: Doc): Doc {
  return withPositions(value, { ...value });
}

function withPositions(from: Doc, to: Doc): Doc {
  copyPositions(from, to);
  return to;
}
