// `build` (string or map; context made absolute, defaults as compose) and `deploy`.
import type {
  BuildConfig,
  DeployConfig,
  DeployResource,
  DeployRestartPolicy,
  UpdateConfig,
} from '../model.js';
import { type KeyPath, type NormalizeScope, userError } from './context.js';
import { normalizeDeviceRequests, normalizeUlimits } from './normalize-devices.js';
import { normalizeBuildArgs } from './normalize-environment.js';
import { normalizeExtraHosts } from './normalize-extra-hosts.js';
import { normalizeFileReferences } from './normalize-files.js';
import {
  booleanAt,
  copyExtensions,
  cutOnce,
  type Doc,
  integerAt,
  numberAt,
  projectPath,
  put,
  scalarText,
  sortedRecord,
  stringList,
  stringMap,
} from './records.js';
import { durationAt, nonZeroByteSizeAt } from './units.js';
import { isPlainMap } from '../plain-object.js';

const REMOTE_CONTEXT_PREFIXES = ['https://', 'http://', 'git://', 'ssh://', 'github.com/', 'git@'];

/** A build context as compose resolves it: URLs, `service:x` and `scheme://` stay, paths become absolute. */
function contextPath(scope: NormalizeScope, value: string): string {
  if (value.includes('://') || value.startsWith('service:')) return value;
  if (REMOTE_CONTEXT_PREFIXES.some((prefix) => value.startsWith(prefix))) return value;
  return projectPath(scope, value);
}

export function normalizeBuild(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): BuildConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const source: Doc = isPlainMap(value) ? value : { context: value };
  const text = (key: string) =>
    source[key] === undefined || source[key] === null || source[key] === ''
      ? undefined
      : scalarText(source[key]);
  const flag = (key: string) =>
    source[key] !== undefined && booleanAt(scope, [...path, key], source[key]) ? true : undefined;
  const build: BuildConfig = {};
  build.context = contextPath(scope, text('context') ?? '.');
  put(
    build,
    'dockerfile',
    text('dockerfile') ?? (source.dockerfile_inline === undefined ? 'Dockerfile' : undefined),
  );
  put(build, 'dockerfile_inline', text('dockerfile_inline'));
  put(build, 'entitlements', stringList(source.entitlements));
  put(build, 'args', normalizeBuildArgs(scope, [...path, 'args'], source.args));
  put(build, 'provenance', text('provenance'));
  put(build, 'sbom', text('sbom'));
  put(build, 'ssh', sshKeys(scope, source.ssh));
  put(build, 'labels', stringMap(source.labels));
  put(build, 'cache_from', stringList(source.cache_from));
  put(build, 'cache_to', stringList(source.cache_to));
  put(build, 'no_cache', flag('no_cache'));
  put(build, 'no_cache_filter', stringList(source.no_cache_filter));
  put(build, 'additional_contexts', additionalContexts(scope, source.additional_contexts));
  put(build, 'pull', flag('pull'));
  put(build, 'extra_hosts', normalizeExtraHosts(scope, [...path, 'extra_hosts'], source.extra_hosts));
  put(build, 'isolation', text('isolation'));
  put(build, 'network', text('network'));
  put(build, 'target', text('target'));
  put(build, 'secrets', normalizeFileReferences(scope, [...path, 'secrets'], source.secrets));
  put(build, 'shm_size', nonZeroByteSizeAt(scope, [...path, 'shm_size'], source.shm_size));
  put(build, 'tags', stringList(source.tags));
  put(build, 'ulimits', normalizeUlimits(scope, [...path, 'ulimits'], source.ulimits));
  put(build, 'platforms', stringList(source.platforms));
  put(build, 'privileged', flag('privileged'));
  copyExtensions(source, build);
  return build;
}

/** `ssh`: `default`, `id=path` items or an `id: path` map → sorted `id` / `id=path` items, paths absolute. */
function sshKeys(scope: NormalizeScope, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const keys: Record<string, string | undefined> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      const [id, keyPath] = cutOnce(scalarText(item), '=');
      keys[id] = keyPath;
    }
  } else if (isPlainMap(value)) {
    for (const [id, keyPath] of Object.entries(value))
      keys[id] = keyPath === null ? undefined : scalarText(keyPath);
  }
  const list = Object.keys(sortedRecord(keys)).map((id) => {
    const keyPath = keys[id];
    return keyPath === undefined ? id : `${id}=${projectPath(scope, keyPath)}`;
  });
  return list.length > 0 ? list : undefined;
}

function additionalContexts(scope: NormalizeScope, value: unknown): Record<string, string> | undefined {
  const contexts = stringMap(value);
  if (!contexts) return undefined;
  const out: Record<string, string> = {};
  for (const [name, context] of Object.entries(contexts)) out[name] = contextPath(scope, context);
  return out;
}

export function normalizeDeploy(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): DeployConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const deploy: DeployConfig = {};
  if (value.mode !== undefined && value.mode !== '') deploy.mode = scalarText(value.mode);
  if (value.replicas !== undefined && value.replicas !== null) {
    deploy.replicas = integerAt(scope, [...path, 'replicas'], value.replicas);
    if (deploy.replicas < 0) {
      throw userError(scope, [...path, 'replicas'], 'must be greater than or equal to 0');
    }
  }
  put(deploy, 'labels', stringMap(value.labels));
  put(deploy, 'update_config', updateConfig(scope, [...path, 'update_config'], value.update_config));
  put(deploy, 'rollback_config', updateConfig(scope, [...path, 'rollback_config'], value.rollback_config));
  if (isPlainMap(value.resources)) {
    const resources: NonNullable<DeployConfig['resources']> = {};
    put(resources, 'limits', resource(scope, [...path, 'resources', 'limits'], value.resources.limits));
    put(
      resources,
      'reservations',
      resource(scope, [...path, 'resources', 'reservations'], value.resources.reservations),
    );
    copyExtensions(value.resources, resources);
    if (Object.keys(resources).length > 0) deploy.resources = resources;
  }
  put(deploy, 'restart_policy', restartPolicy(scope, [...path, 'restart_policy'], value.restart_policy));
  if (isPlainMap(value.placement)) {
    const source = value.placement;
    const placement: NonNullable<DeployConfig['placement']> = {};
    put(placement, 'constraints', stringList(source.constraints));
    if (Array.isArray(source.preferences)) {
      placement.preferences = source.preferences
        .filter(isPlainMap)
        .map((item) => (item.spread === undefined ? {} : { spread: scalarText(item.spread) }));
    }
    if (source.max_replicas_per_node !== undefined) {
      placement.max_replicas_per_node = integerAt(
        scope,
        [...path, 'placement', 'max_replicas_per_node'],
        source.max_replicas_per_node,
      );
    }
    copyExtensions(source, placement);
    if (Object.keys(placement).length > 0) deploy.placement = placement;
  }
  if (value.endpoint_mode !== undefined && value.endpoint_mode !== '')
    deploy.endpoint_mode = scalarText(value.endpoint_mode);
  copyExtensions(value, deploy);
  return deploy;
}

function updateConfig(scope: NormalizeScope, path: KeyPath, value: unknown): UpdateConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const out: UpdateConfig = {};
  if (value.parallelism !== undefined)
    out.parallelism = integerAt(scope, [...path, 'parallelism'], value.parallelism);
  put(out, 'delay', durationAt(scope, [...path, 'delay'], value.delay));
  if (value.failure_action !== undefined) out.failure_action = scalarText(value.failure_action);
  put(out, 'monitor', durationAt(scope, [...path, 'monitor'], value.monitor));
  if (value.max_failure_ratio !== undefined) {
    out.max_failure_ratio = numberAt(scope, [...path, 'max_failure_ratio'], value.max_failure_ratio);
  }
  if (value.order !== undefined) out.order = scalarText(value.order);
  copyExtensions(value, out);
  return out;
}

function resource(scope: NormalizeScope, path: KeyPath, value: unknown): DeployResource | undefined {
  if (!isPlainMap(value)) return undefined;
  const out: DeployResource = {};
  if (value.cpus !== undefined && value.cpus !== null) {
    const cpus = numberAt(scope, [...path, 'cpus'], value.cpus);
    if (cpus !== 0) out.cpus = cpus;
  }
  put(out, 'memory', nonZeroByteSizeAt(scope, [...path, 'memory'], value.memory));
  if (value.pids !== undefined && value.pids !== null) {
    const pids = integerAt(scope, [...path, 'pids'], value.pids);
    if (pids !== 0) out.pids = pids;
  }
  put(out, 'devices', normalizeDeviceRequests(scope, [...path, 'devices'], value.devices));
  if (Array.isArray(value.generic_resources)) {
    out.generic_resources = value.generic_resources.filter(isPlainMap).map((item, index) => {
      const spec = item.discrete_resource_spec;
      if (!isPlainMap(spec)) return {};
      const at = [...path, 'generic_resources', index, 'discrete_resource_spec', 'value'];
      return {
        discrete_resource_spec: { kind: scalarText(spec.kind), value: integerAt(scope, at, spec.value) },
      };
    });
  }
  copyExtensions(value, out);
  return out;
}

function restartPolicy(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): DeployRestartPolicy | undefined {
  if (!isPlainMap(value)) return undefined;
  const out: DeployRestartPolicy = {};
  if (value.condition !== undefined) out.condition = scalarText(value.condition);
  put(out, 'delay', durationAt(scope, [...path, 'delay'], value.delay));
  if (value.max_attempts !== undefined)
    out.max_attempts = integerAt(scope, [...path, 'max_attempts'], value.max_attempts);
  put(out, 'window', durationAt(scope, [...path, 'window'], value.window));
  copyExtensions(value, out);
  return out;
}
