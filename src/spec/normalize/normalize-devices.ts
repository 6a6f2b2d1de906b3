// Host resources a service asks for: `devices`, GPU/device requests, `ulimits`, `blkio_config`.
import type { BlkioConfig, DeviceMapping, DeviceRequest, UlimitConfig } from '../model.js';
import { parseDeviceSpec } from '../syntax/devices.js';
import { parseUlimit } from '../syntax/ulimits.js';
import { type KeyPath, type NormalizeScope, parseAt, userError } from './context.js';
import {
  copyExtensions,
  type Doc,
  integerAt,
  put,
  scalarText,
  sortedRecord,
  stringList,
  stringMap,
} from './records.js';
import { byteSizeAt } from './units.js';
import { isPlainMap } from '../plain-object.js';

export function normalizeDevices(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): DeviceMapping[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((item, index) => {
    const at = [...path, index];
    if (typeof item === 'string') return parseAt(scope, at, () => parseDeviceSpec(item));
    if (!isPlainMap(item))
      throw userError(
        scope,
        at,
        `expected a device like "/dev/sda:/dev/xvda:rwm", found ${JSON.stringify(item)}`,
      );
    const device: DeviceMapping = { source: scalarText(item.source) };
    if (item.target !== undefined && item.target !== '') device.target = scalarText(item.target);
    if (item.permissions !== undefined && item.permissions !== '')
      device.permissions = scalarText(item.permissions);
    copyExtensions(item, device);
    return device;
  });
}

/** `gpus:` — `all` or a list of requests — and `deploy.resources.reservations.devices`. */
export function normalizeDeviceRequests(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): DeviceRequest[] | undefined {
  if (value === 'all') return [{ count: -1 }];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((item, index) => {
    const at = [...path, index];
    if (!isPlainMap(item))
      throw userError(scope, at, `expected a device request map, found ${JSON.stringify(item)}`);
    if (item.count !== undefined && item.device_ids !== undefined) {
      throw userError(scope, at, '"count" and "device_ids" attributes are exclusive', 'keep one of them');
    }
    const request: DeviceRequest = {};
    put(request, 'capabilities', stringList(item.capabilities));
    if (item.driver !== undefined && item.driver !== '') request.driver = scalarText(item.driver);
    // No count and no device ids means every device, which compose holds as count -1.
    if (item.count !== undefined) request.count = deviceCount(scope, [...at, 'count'], item.count);
    else if (item.device_ids === undefined) request.count = -1;
    put(request, 'device_ids', stringList(item.device_ids));
    put(request, 'options', stringMap(item.options));
    return request;
  });
}

function deviceCount(scope: NormalizeScope, path: KeyPath, value: unknown): number {
  if (typeof value === 'string' && value.toLowerCase() === 'all') return -1;
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) {
    throw userError(scope, path, `invalid value "${value}", the only value allowed is 'all' or a number`);
  }
  return integerAt(scope, path, value);
}

export function normalizeUlimits(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): Record<string, UlimitConfig> | undefined {
  if (!isPlainMap(value) || Object.keys(value).length === 0) return undefined;
  const out: Record<string, UlimitConfig> = {};
  for (const [name, limit] of Object.entries(value)) {
    const at = [...path, name];
    const input = isPlainMap(limit)
      ? {
          soft: integerAt(scope, [...at, 'soft'], limit.soft),
          hard: integerAt(scope, [...at, 'hard'], limit.hard),
        }
      : integerAt(scope, at, limit);
    out[name] = parseAt(scope, at, () => parseUlimit(input));
  }
  return sortedRecord(out);
}

export function normalizeBlkio(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): BlkioConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const out: BlkioConfig = {};
  if (value.weight !== undefined && value.weight !== 0)
    out.weight = integerAt(scope, [...path, 'weight'], value.weight);
  if (Array.isArray(value.weight_device)) {
    out.weight_device = value.weight_device.filter(isPlainMap).map((device, index) => ({
      path: scalarText(device.path),
      weight: integerAt(scope, [...path, 'weight_device', index, 'weight'], device.weight),
    }));
  }
  for (const key of [
    'device_read_bps',
    'device_read_iops',
    'device_write_bps',
    'device_write_iops',
  ] as const) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    out[key] = list.filter(isPlainMap).map((device: Doc, index) => ({
      path: scalarText(device.path),
      rate: byteSizeAt(scope, [...path, key, index, 'rate'], device.rate) ?? 0,
    }));
  }
  copyExtensions(value, out);
  return out;
}
