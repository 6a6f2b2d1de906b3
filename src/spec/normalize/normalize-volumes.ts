// Service `volumes` (short text or long map; bind sources made absolute) and top-level `volumes`.
import { isAbsolute, resolve } from 'node:path';
import type { ServiceVolumeConfig, VolumeConfig } from '../model.js';
import { cleanTarget, parseVolumeSpec } from '../syntax/volumes.js';
import { type KeyPath, type NormalizeScope, parseAt, userError } from './context.js';
import { defaultResourceName, readExternal } from './external.js';
import {
  booleanAt,
  copyExtensions,
  type Doc,
  expandHome,
  integerAt,
  put,
  scalarText,
  sortedRecord,
  stringMap,
} from './records.js';
import { nonZeroByteSizeAt } from './units.js';
import { isPlainMap } from '../plain-object.js';

export function normalizeServiceVolumes(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): ServiceVolumeConfig[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const volumes = value.map((item, index) => {
    const at = [...path, index];
    if (typeof item === 'string')
      return resolveBindSource(
        scope,
        at,
        parseAt(scope, at, () => parseVolumeSpec(item)),
      );
    if (isPlainMap(item)) return resolveBindSource(scope, at, longVolume(scope, at, item));
    throw userError(
      scope,
      at,
      `expected a volume like "./data:/data" or a map with type, found ${JSON.stringify(item)}`,
    );
  });
  return volumes.length > 0 ? volumes : undefined;
}

/** compose's maybeUnixPath: `~` expanded, then a relative path joined to the project directory. */
function resolveBindSource(
  scope: NormalizeScope,
  path: KeyPath,
  volume: ServiceVolumeConfig,
): ServiceVolumeConfig {
  if (volume.type !== 'bind') return volume;
  if (volume.source === undefined || volume.source === '') {
    throw userError(
      scope,
      path,
      'a bind mount needs a source',
      'set source: to a host path, e.g. ./data (relative to the project directory)',
    );
  }
  const source = expandHome(scope, volume.source);
  return { ...volume, source: isAbsolute(source) ? source : resolve(scope.options.projectDir, source) };
}

function longVolume(scope: NormalizeScope, path: KeyPath, item: Doc): ServiceVolumeConfig {
  if (item.target === undefined || item.target === null || item.target === '') {
    throw userError(
      scope,
      [...path, 'target'],
      'a volume in long syntax needs a target',
      'add target: <path in the container>',
    );
  }
  // Built key by key so the keys come out in compose's order (type, source, target, ...).
  const volume = { type: scalarText(item.type) } as ServiceVolumeConfig;
  if (item.source !== undefined && item.source !== null && item.source !== '')
    volume.source = scalarText(item.source);
  volume.target = cleanTarget(scalarText(item.target));
  if (item.read_only !== undefined && booleanAt(scope, [...path, 'read_only'], item.read_only))
    volume.read_only = true;
  if (typeof item.consistency === 'string' && item.consistency !== '') volume.consistency = item.consistency;
  if (isPlainMap(item.bind)) {
    const bind = item.bind;
    const out: NonNullable<ServiceVolumeConfig['bind']> = {};
    if (bind.selinux !== undefined) out.selinux = scalarText(bind.selinux);
    if (bind.propagation !== undefined) out.propagation = scalarText(bind.propagation);
    // compose prints create_host_path only when false (true is its default).
    if (
      bind.create_host_path !== undefined &&
      !booleanAt(scope, [...path, 'bind', 'create_host_path'], bind.create_host_path)
    ) {
      out.create_host_path = false;
    }
    if (bind.recursive !== undefined) out.recursive = scalarText(bind.recursive);
    copyExtensions(bind, out);
    volume.bind = out;
  }
  if (isPlainMap(item.volume)) {
    const source = item.volume;
    const out: NonNullable<ServiceVolumeConfig['volume']> = {};
    put(out, 'labels', stringMap(source.labels));
    if (source.nocopy !== undefined && booleanAt(scope, [...path, 'volume', 'nocopy'], source.nocopy))
      out.nocopy = true;
    if (source.subpath !== undefined && source.subpath !== '') out.subpath = scalarText(source.subpath);
    copyExtensions(source, out);
    volume.volume = out;
  }
  if (isPlainMap(item.tmpfs)) {
    const source = item.tmpfs;
    const out: NonNullable<ServiceVolumeConfig['tmpfs']> = {};
    put(out, 'size', nonZeroByteSizeAt(scope, [...path, 'tmpfs', 'size'], source.size));
    if (source.mode !== undefined && source.mode !== null) {
      const mode = tmpfsMode(scope, [...path, 'tmpfs', 'mode'], source.mode);
      if (mode !== 0) out.mode = mode;
    }
    copyExtensions(source, out);
    volume.tmpfs = out;
  }
  if (isPlainMap(item.image)) {
    const out: NonNullable<ServiceVolumeConfig['image']> = {};
    if (item.image.subpath !== undefined && item.image.subpath !== '')
      out.subpath = scalarText(item.image.subpath);
    volume.image = out;
  }
  copyExtensions(item, volume);
  return volume;
}

/** A tmpfs mode: a number as written, or octal text (`"1777"`). */
function tmpfsMode(scope: NormalizeScope, path: KeyPath, value: unknown): number {
  if (typeof value === 'string' && /^[0-7]+$/.test(value)) return Number.parseInt(value, 8);
  return integerAt(scope, path, value);
}

/** Top-level `volumes:`; `null` entries become `{name: <project>_<key>}`. */
export function normalizeTopLevelVolumes(
  scope: NormalizeScope,
  value: unknown,
): Record<string, VolumeConfig> {
  if (!isPlainMap(value)) return {};
  const out: Record<string, VolumeConfig> = {};
  for (const key of Object.keys(value)) {
    const path = ['volumes', key];
    const raw = value[key];
    const source: Doc = isPlainMap(raw) ? raw : {};
    const info = readExternal(scope, path, source, true);
    const volume: VolumeConfig = { name: defaultResourceName(scope, key, info) };
    if (source.driver !== undefined && source.driver !== null) volume.driver = scalarText(source.driver);
    put(volume, 'driver_opts', driverOptions(scope, volume.driver, source.driver_opts));
    if (info.external) volume.external = true;
    put(volume, 'labels', stringMap(source.labels));
    copyExtensions(source, volume);
    out[key] = volume;
  }
  return sortedRecord(out);
}

/** `driver_opts` as text; a local volume that is really a bind (`o: bind`) gets its `device` made absolute. */
function driverOptions(
  scope: NormalizeScope,
  driver: string | undefined,
  value: unknown,
): Record<string, string> | undefined {
  const options = stringMap(value);
  if (!options || driver !== 'local' || options.o !== 'bind' || options.device === undefined) return options;
  const device = expandHome(scope, options.device);
  return { ...options, device: isAbsolute(device) ? device : resolve(scope.options.projectDir, device) };
}
