// Service `networks` (list or map) with compose's implicit `default` network, and top-level `networks`.
import type { IpamConfig, IpamPool, NetworkConfig, ServiceNetworkConfig } from '../model.js';
import type { KeyPath, NormalizeScope } from './context.js';
import { defaultResourceName, readExternal } from './external.js';
import {
  booleanAt,
  copyExtensions,
  type Doc,
  integerAt,
  put,
  scalarText,
  sortedRecord,
  stringList,
  stringMap,
} from './records.js';
import { isPlainMap } from '../plain-object.js';

/**
 * A service's networks. With neither `networks` nor `network_mode` (nor `provider`) the service joins
 * `default`, as compose does; an empty `networks:` also means `default`.
 */
export function normalizeServiceNetworks(
  scope: NormalizeScope,
  path: KeyPath,
  service: Doc,
): Record<string, ServiceNetworkConfig | null> | undefined {
  const value = service.networks;
  const declared = Array.isArray(value) ? value.length > 0 : isPlainMap(value) && Object.keys(value).length > 0;
  // With network_mode too, the declared networks are kept so check-project reports the conflict.
  const hasMode = service.network_mode !== undefined && service.network_mode !== null;
  if (!declared && (hasMode || service.provider !== undefined)) return undefined;
  const out: Record<string, ServiceNetworkConfig | null> = {};
  if (Array.isArray(value)) {
    for (const name of value) out[scalarText(name)] = null;
  } else if (isPlainMap(value)) {
    for (const [name, config] of Object.entries(value)) {
      out[name] = isPlainMap(config) ? serviceNetwork(scope, [...path, 'networks', name], config) : null;
    }
  }
  if (Object.keys(out).length === 0) out.default = null;
  return sortedRecord(out);
}

function serviceNetwork(scope: NormalizeScope, path: KeyPath, config: Doc): ServiceNetworkConfig {
  const out: ServiceNetworkConfig = {};
  put(out, 'aliases', stringList(config.aliases));
  put(out, 'driver_opts', stringMap(config.driver_opts));
  putNonZero(out, 'gw_priority', scope, [...path, 'gw_priority'], config.gw_priority);
  putText(out, 'interface_name', config.interface_name);
  putText(out, 'ipv4_address', config.ipv4_address);
  putText(out, 'ipv6_address', config.ipv6_address);
  put(out, 'link_local_ips', stringList(config.link_local_ips));
  putText(out, 'mac_address', config.mac_address);
  putNonZero(out, 'priority', scope, [...path, 'priority'], config.priority);
  copyExtensions(config, out);
  return out;
}

function putText<T extends object>(out: T, key: keyof T & string, value: unknown): void {
  if (value !== undefined && value !== null && value !== '') (out as Doc)[key] = scalarText(value);
}

function putNonZero<T extends object>(
  out: T,
  key: keyof T & string,
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): void {
  if (value === undefined || value === null) return;
  const number = integerAt(scope, path, value);
  if (number !== 0) (out as Doc)[key] = number;
}

/**
 * Top-level `networks:`, plus the implicit `default` network when a service uses it and the file does
 * not declare it.
 */
export function normalizeTopLevelNetworks(
  scope: NormalizeScope,
  value: unknown,
  defaultUsed: boolean,
): Record<string, NetworkConfig> {
  const declared: Doc = isPlainMap(value) ? value : {};
  const keys = Object.keys(declared);
  if (defaultUsed && !keys.includes('default')) keys.push('default');
  const out: Record<string, NetworkConfig> = {};
  for (const key of keys) {
    const path = ['networks', key];
    const raw = declared[key];
    const source: Doc = isPlainMap(raw) ? raw : {};
    const info = readExternal(scope, path, source);
    const network: NetworkConfig = { name: defaultResourceName(scope, key, info) };
    putText(network, 'driver', source.driver);
    put(network, 'driver_opts', stringMap(source.driver_opts));
    if (isPlainMap(source.ipam)) {
      const config = ipam(source.ipam);
      if (Object.keys(config).length > 0) network.ipam = config;
    }
    if (info.external) network.external = true;
    if (source.internal !== undefined && booleanAt(scope, [...path, 'internal'], source.internal))
      network.internal = true;
    if (source.attachable !== undefined && booleanAt(scope, [...path, 'attachable'], source.attachable)) {
      network.attachable = true;
    }
    put(network, 'labels', stringMap(source.labels));
    for (const flag of ['enable_ipv4', 'enable_ipv6'] as const) {
      if (source[flag] !== undefined && source[flag] !== null)
        network[flag] = booleanAt(scope, [...path, flag], source[flag]);
    }
    copyExtensions(source, network);
    out[key] = network;
  }
  return sortedRecord(out);
}

function ipam(source: Doc): IpamConfig {
  const out: IpamConfig = {};
  putText(out, 'driver', source.driver);
  if (Array.isArray(source.config)) {
    out.config = source.config.filter(isPlainMap).map((pool) => {
      const entry: IpamPool = {};
      putText(entry, 'subnet', pool.subnet);
      putText(entry, 'gateway', pool.gateway);
      putText(entry, 'ip_range', pool.ip_range);
      put(entry, 'aux_addresses', stringMap(pool.aux_addresses));
      copyExtensions(pool, entry);
      return entry;
    });
  }
  put(out, 'options', stringMap(source.options));
  copyExtensions(source, out);
  return out;
}
