// `extra_hosts` (list of `host:ip`/`host=ip` or a map) → the sorted `host=ip` list compose prints.
import { parseExtraHosts } from '../syntax/extra-hosts.js';
import { type KeyPath, type NormalizeScope, parseAt, userError } from './context.js';
import { isPlainMap } from '../plain-object.js';

export function normalizeExtraHosts(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) && !isPlainMap(value)) {
    throw userError(scope, path, `expected a list of host=ip or a map, found ${JSON.stringify(value)}`);
  }
  const hosts = parseAt(scope, path, () => parseExtraHosts(value as Parameters<typeof parseExtraHosts>[0]));
  const list: string[] = [];
  for (const [host, ips] of Object.entries(hosts)) for (const ip of ips) list.push(`${host}=${ip}`);
  // compose sorts the printed items as plain strings.
  list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return list.length > 0 ? list : undefined;
}
