// One service → its canonical ServiceConfig: every key in long form, in compose's printed order.
import { SERVICE_KEY_ORDER, type ServiceConfig } from '../model.js';
import { parseDurationNanoseconds } from '../syntax/duration.js';
import { type KeyPath, type NormalizeScope, parseAt, userError } from './context.js';
import { normalizeBuild, normalizeDeploy } from './normalize-build-deploy.js';
import {
  normalizeBlkio,
  normalizeDeviceRequests,
  normalizeDevices,
  normalizeUlimits,
} from './normalize-devices.js';
import { normalizeServiceEnvironment, normalizeServiceLabels } from './normalize-environment.js';
import { normalizeExtraHosts } from './normalize-extra-hosts.js';
import { normalizeFileReferences } from './normalize-files.js';
import {
  normalizeCommand,
  normalizeDependsOn,
  normalizeHealthcheck,
  normalizeHooks,
} from './normalize-lifecycle.js';
import { normalizeServiceNetworks } from './normalize-networks.js';
import { normalizeExpose, normalizePorts } from './normalize-ports.js';
import { normalizeServiceVolumes } from './normalize-volumes.js';
import {
  booleanAt,
  copyExtensions,
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

type ServiceKey = (typeof SERVICE_KEY_ORDER)[number];
type Normalizer = (scope: NormalizeScope, path: KeyPath, value: unknown, service: Doc) => unknown;

const text: Normalizer = (_scope, _path, value) =>
  value === undefined || value === null || value === '' ? undefined : scalarText(value);
const list: Normalizer = (_scope, _path, value) => stringList(value);
const map: Normalizer = (_scope, _path, value) => stringMap(value);
const nonZeroInteger: Normalizer = (scope, path, value) => {
  if (value === undefined || value === null) return undefined;
  const number = integerAt(scope, path, value);
  return number === 0 ? undefined : number;
};
const nonZeroNumber: Normalizer = (scope, path, value) => {
  if (value === undefined || value === null) return undefined;
  const number = numberAt(scope, path, value);
  return number === 0 ? undefined : number;
};
/** A boolean compose omits when false. */
const flag: Normalizer = (scope, path, value) =>
  value !== undefined && value !== null && booleanAt(scope, path, value) ? true : undefined;
/** A boolean compose prints even when false (a pointer in compose-go). */
const optionalBoolean: Normalizer = (scope, path, value) =>
  value === undefined || value === null ? undefined : booleanAt(scope, path, value);
const bytes: Normalizer = (scope, path, value) => nonZeroByteSizeAt(scope, path, value);
/** `cpu_rt_*`: microseconds, or a duration (`400ms`) converted to them. */
const microseconds: Normalizer = (scope, path, value) => {
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) {
    return parseAt(scope, path, () => Number(parseDurationNanoseconds(value) / 1000n)) || undefined;
  }
  return nonZeroInteger(scope, path, value, {});
};

/** Keys whose value depends on more than the key itself are computed in normalizeService. */
const NORMALIZERS: Partial<Record<ServiceKey, Normalizer>> = {
  profiles: list,
  annotations: map,
  attach: optionalBoolean,
  build: normalizeBuild,
  develop: normalizeDevelop,
  blkio_config: normalizeBlkio,
  cap_add: list,
  cap_drop: list,
  cgroup_parent: text,
  cgroup: text,
  cpu_count: nonZeroInteger,
  cpu_percent: nonZeroNumber,
  cpu_period: nonZeroInteger,
  cpu_quota: nonZeroInteger,
  cpu_rt_period: microseconds,
  cpu_rt_runtime: microseconds,
  cpus: nonZeroNumber,
  cpuset: text,
  cpu_shares: nonZeroInteger,
  command: normalizeCommand,
  configs: (scope, path, value) => normalizeFileReferences(scope, path, value),
  container_name: text,
  credential_spec: (_scope, _path, value) => textFields(value, ['config', 'file', 'registry']),
  depends_on: (scope, path, _value, service) => normalizeDependsOn(scope, path.slice(0, -1), service),
  deploy: normalizeDeploy,
  device_cgroup_rules: list,
  devices: normalizeDevices,
  dns: list,
  dns_opt: list,
  dns_search: list,
  domainname: text,
  entrypoint: normalizeCommand,
  provider: normalizeProvider,
  expose: (_scope, _path, value) => normalizeExpose(value),
  external_links: list,
  extra_hosts: normalizeExtraHosts,
  group_add: list,
  gpus: normalizeDeviceRequests,
  hostname: text,
  healthcheck: normalizeHealthcheck,
  image: text,
  init: optionalBoolean,
  ipc: text,
  isolation: text,
  links: list,
  logging: normalizeLogging,
  mem_limit: bytes,
  mem_reservation: bytes,
  memswap_limit: bytes,
  mem_swappiness: nonZeroInteger,
  mac_address: text,
  models: normalizeServiceModels,
  network_mode: text,
  networks: (scope, path, _value, service) => normalizeServiceNetworks(scope, path.slice(0, -1), service),
  oom_kill_disable: flag,
  oom_score_adj: nonZeroInteger,
  pid: text,
  pids_limit: nonZeroInteger,
  platform: text,
  ports: normalizePorts,
  privileged: flag,
  // compose treats if_not_present as its newer name.
  pull_policy: (scope, path, value, service) =>
    value === 'if_not_present' ? 'missing' : text(scope, path, value, service),
  read_only: flag,
  restart: text,
  runtime: text,
  scale: (scope, path, value) =>
    value === undefined || value === null ? undefined : integerAt(scope, path, value),
  secrets: (scope, path, value) => normalizeFileReferences(scope, path, value, '/run/secrets'),
  security_opt: list,
  shm_size: bytes,
  stdin_open: flag,
  stop_grace_period: (scope, path, value) => durationAt(scope, path, value),
  stop_signal: text,
  storage_opt: map,
  sysctls: map,
  tmpfs: list,
  tty: flag,
  ulimits: normalizeUlimits,
  use_api_socket: flag,
  user: text,
  userns_mode: text,
  uts: text,
  volume_driver: text,
  volumes: normalizeServiceVolumes,
  volumes_from: list,
  working_dir: text,
  pre_start: (scope, path, value, service) =>
    normalizeHooks(scope, path, value, typeof service.image === 'string' ? service.image : undefined),
  post_start: (scope, path, value) => normalizeHooks(scope, path, value),
  pre_stop: (scope, path, value) => normalizeHooks(scope, path, value),
};

export async function normalizeService(
  scope: NormalizeScope,
  name: string,
  raw: unknown,
): Promise<ServiceConfig> {
  const path = ['services', name];
  const service: Doc = isPlainMap(raw) ? raw : {};
  const environment = await normalizeServiceEnvironment(scope, path, service);
  const labels = await normalizeServiceLabels(scope, path, service);
  const out: Record<string, unknown> = {};
  for (const key of SERVICE_KEY_ORDER) {
    if (key === 'environment') put(out, key, environment);
    else if (key === 'labels') put(out, key, labels);
    else {
      const normalizer = NORMALIZERS[key];
      if (normalizer) put(out, key, normalizer(scope, [...path, key], service[key], service));
    }
  }
  copyExtensions(service, out);
  return out as ServiceConfig;
}

function textFields(value: unknown, keys: readonly string[]): Record<string, string> | undefined {
  if (!isPlainMap(value)) return undefined;
  const out: Record<string, string> = {};
  for (const key of keys)
    if (value[key] !== undefined && value[key] !== '') out[key] = scalarText(value[key]);
  copyExtensions(value, out);
  return out;
}

function normalizeLogging(scope: NormalizeScope, path: KeyPath, value: unknown): unknown {
  if (!isPlainMap(value)) return undefined;
  const out: Doc = {};
  put(out, 'driver', text(scope, [...path, 'driver'], value.driver, value));
  put(out, 'options', stringMap(value.options));
  copyExtensions(value, out);
  return out;
}

/** `provider.options`: each value a scalar or a list, held as a list of text. */
function normalizeProvider(_scope: NormalizeScope, _path: KeyPath, value: unknown): unknown {
  if (!isPlainMap(value)) return undefined;
  const out: Doc = {};
  if (value.type !== undefined) out.type = scalarText(value.type);
  if (isPlainMap(value.options)) {
    const options: Record<string, string[]> = {};
    for (const [key, option] of Object.entries(value.options)) options[key] = stringList(option) ?? [];
    out.options = sortedRecord(options);
  }
  copyExtensions(value, out);
  return out;
}

function normalizeServiceModels(_scope: NormalizeScope, _path: KeyPath, value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: Record<string, null> = {};
    for (const name of value) out[scalarText(name)] = null;
    return Object.keys(out).length > 0 ? sortedRecord(out) : undefined;
  }
  if (!isPlainMap(value)) return undefined;
  const out: Record<string, Doc | null> = {};
  for (const [name, config] of Object.entries(value)) {
    out[name] = isPlainMap(config) ? (textFields(config, ['endpoint_var', 'model_var']) ?? {}) : null;
  }
  return Object.keys(out).length > 0 ? sortedRecord(out) : undefined;
}

function normalizeDevelop(scope: NormalizeScope, path: KeyPath, value: unknown): unknown {
  if (!isPlainMap(value)) return undefined;
  const out: Doc = {};
  if (Array.isArray(value.watch)) {
    out.watch = value.watch.filter(isPlainMap).map((trigger, index) => {
      const at = [...path, 'watch', index];
      if (trigger.path === undefined || trigger.path === '')
        throw userError(scope, [...at, 'path'], "value can't be blank");
      const watch: Doc = {
        path: projectPath(scope, scalarText(trigger.path)),
        action: scalarText(trigger.action),
      };
      if (trigger.target !== undefined && trigger.target !== '') watch.target = scalarText(trigger.target);
      else if (watch.action !== 'rebuild' && watch.action !== 'restart') {
        throw userError(
          scope,
          at,
          'target is required for non-rebuild actions',
          'add target: <path in the container>',
        );
      }
      if (isPlainMap(trigger.exec)) watch.exec = normalizeHooks(scope, [...at, 'exec'], [trigger.exec])?.[0];
      put(watch, 'include', stringList(trigger.include));
      put(watch, 'ignore', stringList(trigger.ignore));
      if (
        trigger.initial_sync !== undefined &&
        booleanAt(scope, [...at, 'initial_sync'], trigger.initial_sync)
      ) {
        watch.initial_sync = true;
      }
      copyExtensions(trigger, watch);
      return watch;
    });
  }
  copyExtensions(value, out);
  return out;
}
