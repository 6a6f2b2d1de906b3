// Valid compose keys berth does not run yet: one warning per occurrence, never a silent ignore.
import type { NormalizeScope } from './context.js';
import { warn } from './context.js';
import { type Doc } from './records.js';
import { isPlainMap } from '../plain-object.js';

/** Paths under a service, dotted. Add a key here when berth reads it but does not act on it. */
export const UNSUPPORTED_SERVICE_KEYS: readonly string[] = [
  'develop',
  'gpus',
  'models',
  'provider',
  'post_start',
  'pre_stop',
  'credential_spec',
  'isolation',
  'storage_opt',
  'runtime',
  'cgroup_parent',
  'userns_mode',
  'blkio_config',
  'use_api_socket',
  'deploy.placement',
  'deploy.update_config',
  'deploy.rollback_config',
  'deploy.endpoint_mode',
  'deploy.resources.reservations',
  'build.secrets',
  'build.ssh',
  'build.platforms',
  // Checked by a real run (docs/compose-compatibility.md): the container runs as if these were absent.
  'annotations',
  'cgroup',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'device_cgroup_rules',
  'external_links',
  'pre_start',
  'uts',
];

/** Top-level keys, dotted. */
export const UNSUPPORTED_PROJECT_KEYS: readonly string[] = ['models'];

export const UNSUPPORTED_MESSAGE = 'berth does not run this key yet; it is ignored';

/** Append one warning per unsupported key present in the document, in document order of services. */
export function warnUnsupportedKeys(scope: NormalizeScope, document: Doc): void {
  for (const key of UNSUPPORTED_PROJECT_KEYS) warnIfPresent(scope, document, [], key.split('.'));
  const services = document.services;
  if (!isPlainMap(services)) return;
  for (const name of Object.keys(services)) {
    const service = services[name];
    if (!isPlainMap(service)) continue;
    for (const key of UNSUPPORTED_SERVICE_KEYS)
      warnIfPresent(scope, service, ['services', name], key.split('.'));
  }
}

function warnIfPresent(scope: NormalizeScope, root: Doc, prefix: string[], keys: string[]): void {
  let current: unknown = root;
  for (const key of keys) {
    if (!isPlainMap(current) || !(key in current)) return;
    current = current[key];
  }
  if (current === null || current === undefined) return;
  warn(scope, [...prefix, ...keys], UNSUPPORTED_MESSAGE);
}
