// `ports` (short text or long map, ranges expand) and `expose` to compose's canonical lists.
import { isIP } from 'node:net';
import type { ServicePortConfig } from '../model.js';
import { parsePortSpec } from '../syntax/ports.js';
import { type KeyPath, type NormalizeScope, parseAt, userError } from './context.js';
import { copyExtensions, integerAt, put, scalarText } from './records.js';
import { isPlainMap } from '../plain-object.js';

export function normalizePorts(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): ServicePortConfig[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const ports: ServicePortConfig[] = [];
  value.forEach((item, index) => {
    const at = [...path, index];
    if (typeof item === 'string' || typeof item === 'number') {
      ports.push(...parseAt(scope, at, () => parsePortSpec(item)));
    } else if (isPlainMap(item)) {
      ports.push(longPort(scope, at, item));
    } else {
      throw userError(
        scope,
        at,
        `expected a port like "8080:80" or a map with target, found ${JSON.stringify(item)}`,
      );
    }
  });
  return ports.length > 0 ? ports : undefined;
}

function longPort(scope: NormalizeScope, path: KeyPath, item: Record<string, unknown>): ServicePortConfig {
  if (item.target === undefined || item.target === null) {
    throw userError(scope, path, 'a port in long syntax needs a target', 'add target: <container port>');
  }
  const out: Partial<ServicePortConfig> = {};
  if (item.name !== undefined) out.name = scalarText(item.name);
  out.mode = item.mode === undefined ? 'ingress' : scalarText(item.mode);
  if (item.host_ip !== undefined && item.host_ip !== '') {
    const hostIp = scalarText(item.host_ip);
    if (isIP(hostIp) === 0) {
      throw userError(
        scope,
        [...path, 'host_ip'],
        `invalid ip address: ${hostIp}`,
        'host_ip is an IPv4 or IPv6 address',
      );
    }
    out.host_ip = hostIp;
  }
  out.target = integerAt(scope, [...path, 'target'], item.target);
  if (out.target < 0 || out.target > 65535) {
    throw userError(scope, [...path, 'target'], `port ${out.target} is out of range`, 'a port is 1 to 65535');
  }
  const published = item.published === undefined || item.published === null ? '' : scalarText(item.published);
  put(out, 'published', published === '' ? undefined : published);
  out.protocol = item.protocol === undefined ? 'tcp' : scalarText(item.protocol);
  if (item.app_protocol !== undefined) out.app_protocol = scalarText(item.app_protocol);
  // Rebuild in compose's key order: name, mode, host_ip, target, published, protocol, app_protocol.
  const ordered = {} as ServicePortConfig;
  for (const key of ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'] as const) {
    put(ordered, key, out[key]);
  }
  copyExtensions(item, ordered);
  return ordered;
}

/** `expose`: numbers and ranges as text. */
export function normalizeExpose(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).map(scalarText);
  return list.length > 0 ? list : undefined;
}
