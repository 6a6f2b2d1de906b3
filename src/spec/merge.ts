// Merge phase: combine compose documents (override files, extends bases) by docker compose's rules.
//
// Maps merge key by key, lists append, scalars are replaced; the exceptions are one table keyed by
// path (`MERGE_RULES`), and after merging, lists whose items have an identity are deduplicated by
// that identity (`UNIQUE_BY`), later entries replacing earlier ones in place. `!reset` removes a
// value and `!override` replaces it whole. Inputs are never mutated; positions travel with values.
import { UserError } from '../errors.js';
import { copyKeyPosition, copyPositions, keyPosition, setKeyPosition } from './source-position.js';
import { isPlainMap, setKey } from './plain-object.js';
import { isOverrideTag, isResetTag } from './yaml-tags.js';

type Path = readonly string[];
type Merger = (base: unknown, override: unknown, path: Path) => unknown;
type Indexer = (item: unknown) => string | undefined;

const replace: Merger = (_base, override) => override;
const toSequence: Merger = (base, override) => [...asSequence(base), ...asSequence(override)];
const unionSequence: Merger = (base, override) => {
  const left = asSequence(base);
  return [...left, ...asSequence(override).filter((item) => !left.includes(item))];
};

/** Paths whose merge differs from "maps merge, lists append, scalars replace". `*` is any key. */
const MERGE_RULES: ReadonlyArray<readonly [string, Merger]> = [
  ['services.*.command', replace],
  ['services.*.entrypoint', replace],
  ['services.*.healthcheck.test', replace],
  ['services.*.build', (base, override, path) => mergeMaps(asBuild(base), asBuild(override), path)],
  ['services.*.build.args', toSequence],
  ['services.*.build.labels', toSequence],
  ['services.*.build.additional_contexts', toSequence],
  ['services.*.build.extra_hosts', unionSequence],
  [
    'services.*.depends_on',
    (base, override, path) => mergeMaps(asDependsOn(base), asDependsOn(override), path),
  ],
  ['services.*.networks', (base, override, path) => mergeMaps(asMap(base), asMap(override), path)],
  ['services.*.models', (base, override, path) => mergeMaps(asMap(base), asMap(override), path)],
  ['services.*.environment', toSequence],
  ['services.*.labels', toSequence],
  ['services.*.annotations', toSequence],
  ['services.*.sysctls', toSequence],
  ['services.*.tmpfs', toSequence],
  ['services.*.dns', toSequence],
  ['services.*.dns_opt', toSequence],
  ['services.*.dns_search', toSequence],
  ['services.*.env_file', toSequence],
  ['services.*.label_file', toSequence],
  ['services.*.extra_hosts', unionSequence],
  ['services.*.deploy.labels', toSequence],
  ['services.*.volumes.*.volume.labels', toSequence],
  ['services.*.logging', mergeLogging],
  ['services.*.ulimits.*', replace],
  ['networks.*.labels', toSequence],
  ['volumes.*.labels', toSequence],
  ['networks.*.ipam.config', mergeIpamConfig],
];

const keyValue: Indexer = (item) => (typeof item === 'string' ? item.split('=', 1)[0] : undefined);
const byTarget: Indexer = (item) => {
  if (isPlainMap(item)) return typeof item.target === 'string' ? item.target : undefined;
  if (typeof item !== 'string') return undefined;
  return volumeTarget(item);
};
const mountTarget =
  (defaultDir: string): Indexer =>
  (item) => {
    if (typeof item === 'string') return `${defaultDir}/${item}`;
    if (!isPlainMap(item)) return undefined;
    return typeof item.target === 'string' ? item.target : `${defaultDir}/${String(item.source)}`;
  };

/** Lists deduplicated after merging: an item with the same identity replaces the earlier one. */
const UNIQUE_BY: ReadonlyArray<readonly [string, Indexer]> = [
  ['services.*.environment', keyValue],
  ['services.*.labels', keyValue],
  ['services.*.annotations', keyValue],
  ['services.*.sysctls', keyValue],
  ['services.*.tmpfs', keyValue],
  ['services.*.dns', keyValue],
  ['services.*.dns_opt', keyValue],
  ['services.*.dns_search', keyValue],
  ['services.*.cap_add', keyValue],
  ['services.*.cap_drop', keyValue],
  ['services.*.links', keyValue],
  ['services.*.profiles', keyValue],
  ['services.*.deploy.labels', keyValue],
  ['services.*.build.args', keyValue],
  ['services.*.build.labels', keyValue],
  ['services.*.build.tags', keyValue],
  ['services.*.build.additional_contexts', keyValue],
  ['services.*.networks.*.aliases', keyValue],
  ['services.*.networks.*.link_local_ips', keyValue],
  ['networks.*.labels', keyValue],
  ['networks.*.ipam.options', keyValue],
  ['services.*.volumes', byTarget],
  [
    'services.*.devices',
    (item) => (typeof item === 'string' ? (item.split(':')[1] ?? item) : byTarget(item)),
  ],
  ['services.*.secrets', mountTarget('/run/secrets')],
  ['services.*.configs', mountTarget('')],
  [
    'services.*.expose',
    (item) => (typeof item === 'string' || typeof item === 'number' ? String(item) : undefined),
  ],
  ['services.*.ports', portIdentity],
  [
    'services.*.env_file',
    (item) => (typeof item === 'string' ? item : isPlainMap(item) ? String(item.path) : undefined),
  ],
];

/** Merge `override` onto `base` (both whole compose documents); returns a new document. */
export function mergeDocuments(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  return mergeMaps(base, override, []) as Record<string, unknown>;
}

/**
 * Merge a single document with nothing: resolves its own `!reset`/`!override` markers. Call this on
 * the first file so that every phase after merge sees plain values.
 */
export function resolveTags(document: Record<string, unknown>): Record<string, unknown> {
  // Most files have no tags: a walk that allocates nothing beats copying the whole document.
  return hasTags(document) ? (mergeMaps({}, document, []) as Record<string, unknown>) : document;
}

function hasTags(value: unknown): boolean {
  if (isResetTag(value) || isOverrideTag(value)) return true;
  if (Array.isArray(value)) return value.some(hasTags);
  if (isPlainMap(value)) {
    for (const key in value) if (hasTags(value[key])) return true;
  }
  return false;
}

/** Merge one service onto another (for `extends`), by the same rules as under `services.<name>`. */
export function mergeServices(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
  name: string,
) {
  return mergeResources('services', name, base, override);
}

/** Merge two definitions of `<section>.<name>` (a service, network, volume, ...) by the rules at that path. */
export function mergeResources(
  section: string,
  name: string,
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  return mergeMaps(base, override, [section, name]) as Record<string, unknown>;
}

/** Deduplicate lists with an identity (ports, volumes, environment, ...), as compose does after merge. */
export function enforceUniqueness(document: Record<string, unknown>): Record<string, unknown> {
  return dedupe(document, []) as Record<string, unknown>;
}

function mergeValues(base: unknown, override: unknown, path: Path): unknown {
  if (isOverrideTag(override)) return stripTags(override.value, path);
  const rule = findRule(MERGE_RULES, path);
  if (rule) {
    const merged = rule(stripTags(base, path), stripTags(override, path), path);
    return Array.isArray(merged) && isPlainMap(override) ? dropResetKeys(merged, override) : merged;
  }
  if (override === null || override === undefined) return base;
  if (isPlainMap(base)) {
    if (!isPlainMap(override)) throw cannotOverride(path, override);
    return mergeMaps(base, override, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw cannotOverride(path, override);
    const list = [...base, ...(stripTags(override, path) as unknown[])];
    copyListPositions(base, 0, list);
    copyListPositions(override, base.length, list);
    return list;
  }
  return stripTags(override, path);
}

function mergeMaps(base: Record<string, unknown>, override: Record<string, unknown>, path: Path): unknown {
  const merged: Record<string, unknown> = {};
  copyPositions(base, merged);
  for (const [key, value] of Object.entries(base)) setKey(merged, key, value);
  for (const [key, value] of Object.entries(override)) {
    if (isResetTag(value)) {
      delete merged[key];
      continue;
    }
    const next = [...path, key];
    setKey(merged, key, mergeKey(merged, override, key, next));
    copyKeyPosition(override, key, merged);
  }
  return merged;
}

function mergeKey(
  merged: Record<string, unknown>,
  override: Record<string, unknown>,
  key: string,
  path: Path,
) {
  const value = override[key];
  if (!Object.hasOwn(merged, key)) return stripTags(value, path);
  try {
    return mergeValues(merged[key], value, path);
  } catch (error) {
    if (!(error instanceof UserError) || error.position) throw error;
    throw error.with({ position: keyPosition(override, key) });
  }
}

/** `environment: {FOO: !reset null}` onto a list-like value removes `FOO` and `FOO=...` entries. */
function dropResetKeys(merged: unknown[], override: Record<string, unknown>): unknown[] {
  const reset = new Set(Object.keys(override).filter((key) => isResetTag(override[key])));
  return reset.size === 0 ? merged : merged.filter((item) => !reset.has(keyValue(item) ?? ''));
}

/** Resolve markers inside a value that has nothing to merge with. */
function stripTags(value: unknown, path: Path): unknown {
  if (isOverrideTag(value)) return stripTags(value.value, path);
  if (isResetTag(value)) return null;
  if (isPlainMap(value)) return mergeMaps({}, value, path);
  if (Array.isArray(value)) {
    const list = value.filter((item) => !isResetTag(item)).map((item) => stripTags(item, path));
    copyListPositions(value, 0, list);
    return list;
  }
  return value;
}

/** Returns `value` itself when nothing under it changes; copies only the maps on a changed path. */
function dedupe(value: unknown, path: Path): unknown {
  if (isPlainMap(value)) {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = value[key];
      const deduped = dedupe(item, [...path, key]);
      if (deduped === item) continue;
      if (!out) {
        out = { ...value };
        copyPositions(value, out);
      }
      setKey(out, key, deduped);
    }
    return out ?? value;
  }
  if (!Array.isArray(value)) return value;
  const indexer = findRule(UNIQUE_BY, path);
  if (!indexer) return value;
  const out: unknown[] = [];
  const seen = new Map<string, number>();
  value.forEach((item, index) => {
    const identity = indexer(item);
    const earlier = identity === undefined ? undefined : seen.get(identity);
    const at = earlier ?? out.length;
    out[at] = item;
    if (identity !== undefined && earlier === undefined) seen.set(identity, at);
    const position = keyPosition(value, index);
    if (position) setKeyPosition(out, at, position);
  });
  return out.length === value.length ? value : out;
}

function findRule<T>(table: ReadonlyArray<readonly [string, T]>, path: Path): T | undefined {
  for (const [pattern, rule] of table) if (matches(pattern, path)) return rule;
  return undefined;
}

const patternCache = new Map<string, string[]>();
function matches(pattern: string, path: Path): boolean {
  let parts = patternCache.get(pattern);
  if (!parts) {
    parts = pattern.split('.');
    patternCache.set(pattern, parts);
  }
  if (parts.length !== path.length) return false;
  return parts.every((part, i) => part === '*' || part === path[i]);
}

function mergeLogging(base: unknown, override: unknown, path: Path): unknown {
  if (!isPlainMap(base) || !isPlainMap(override)) return override ?? base;
  const sameDriver = override.driver === base.driver || !('driver' in override) || !('driver' in base);
  return sameDriver ? mergeMaps(base, override, path) : override;
}

/** ipam.config entries merge when their subnets match; others are appended. */
function mergeIpamConfig(base: unknown, override: unknown, path: Path): unknown {
  const result: unknown[] = Array.isArray(base) ? [...base] : [];
  for (const entry of Array.isArray(override) ? override : []) {
    const index = result.findIndex(
      (existing) => isPlainMap(existing) && isPlainMap(entry) && existing.subnet === entry.subnet,
    );
    if (index >= 0 && isPlainMap(entry))
      result[index] = mergeMaps(result[index] as Record<string, unknown>, entry, path);
    else result.push(entry);
  }
  return result;
}

/** `KEY=value` strings from a map (sorted, as compose does) or a list, for list-or-map keys. */
function asSequence(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [value];
  if (!isPlainMap(value)) return [];
  const items: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) items.push(key);
    else if (Array.isArray(item)) for (const one of item) items.push(`${key}=${String(one)}`);
    else items.push(`${key}=${String(item)}`);
  }
  return items.sort();
}

function asMap(value: unknown, itemDefault?: () => Record<string, unknown>): Record<string, unknown> {
  if (isPlainMap(value)) return value;
  const map: Record<string, unknown> = {};
  if (Array.isArray(value)) {
    value.forEach((name, index) => {
      setKey(map, String(name), itemDefault ? itemDefault() : null);
      copyKeyPosition(value, index, map, String(name));
    });
  }
  return map;
}

function asDependsOn(value: unknown): Record<string, unknown> {
  return asMap(value, () => ({ condition: 'service_started', required: true }));
}

function asBuild(value: unknown): Record<string, unknown> {
  return typeof value === 'string' ? { context: value } : isPlainMap(value) ? value : {};
}

function portIdentity(item: unknown): string | undefined {
  if (typeof item === 'number' || typeof item === 'string') return String(item);
  if (!isPlainMap(item)) return undefined;
  const host = item.host_ip ?? '0.0.0.0';
  return `${String(host)}:${String(item.published ?? '')}:${String(item.target)}/${String(item.protocol ?? 'tcp')}`;
}

/** The container path of a short volume spec (`src:dst[:mode]` or `dst`), for identity only. */
function volumeTarget(spec: string): string {
  const parts = spec.split(':');
  // A Windows drive letter (`C:\...`) is part of the source, not a separator.
  if (parts.length > 1 && /^[A-Za-z]$/.test(parts[0] ?? '') && /^[\\/]/.test(parts[1] ?? ''))
    parts.splice(0, 2, `${parts[0]}:${parts[1]}`);
  return parts.length === 1 ? parts[0]! : parts[1]!;
}

function copyListPositions(from: unknown, offset: number, to: unknown[]): void {
  if (!Array.isArray(from)) return;
  for (let index = 0; index < from.length; index++) copyKeyPosition(from, index, to, offset + index);
}


function cannotOverride(path: Path, override: unknown): UserError {
  return new UserError(
    `cannot merge a ${Array.isArray(override) ? 'list' : typeof override} into the earlier value`,
    {
      keyPath: path.join('.'),
      hint: 'an override file must use the same kind of value (map, list or scalar) as the file it overrides, or !override',
    },
  );
}
