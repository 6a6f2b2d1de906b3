// Remembers where each key of a parsed compose document came from, across interpolation and merge.
//
// Values stay plain JS (so every phase works on ordinary objects); positions live beside them in a
// WeakMap keyed by the container object. A phase that builds a new container copies the entries it
// keeps with `copyKeyPosition`/`copyPositions`, so an error found late can still name file:line:col.
import type { SourcePosition } from '../errors.js';

type Key = string | number;

const keyPositions = new WeakMap<object, Map<Key, SourcePosition>>();
const valuePositions = new WeakMap<object, SourcePosition>();
/**
 * Maps shared by several containers after `copyPositions` (every phase copies every container, so
 * copying the maps themselves was most of the cost). A write to a shared map clones it first.
 */
const sharedMaps = new WeakSet<Map<Key, SourcePosition>>();

/** Record where `container[key]` was written (the key's position for maps, the item's for lists). */
export function setKeyPosition(container: object, key: Key, position: SourcePosition): void {
  let map = keyPositions.get(container);
  if (!map) {
    map = new Map();
    keyPositions.set(container, map);
  } else if (sharedMaps.has(map)) {
    map = new Map(map);
    keyPositions.set(container, map);
  }
  map.set(key, position);
}

export function keyPosition(container: object, key: Key): SourcePosition | undefined {
  return keyPositions.get(container)?.get(key);
}

/** Record where a map or list itself starts. */
export function setValuePosition(value: object, position: SourcePosition): void {
  valuePositions.set(value, position);
}

export function valuePosition(value: object): SourcePosition | undefined {
  return valuePositions.get(value);
}

/** Copy the position of `from[fromKey]` to `to[toKey]`, if known. */
export function copyKeyPosition(from: object, fromKey: Key, to: object, toKey: Key = fromKey): void {
  const position = keyPosition(from, fromKey);
  if (position) setKeyPosition(to, toKey, position);
}

/** Copy every key position and the value position of `from` onto `to` (same keys). */
export function copyPositions(from: object, to: object): void {
  const map = keyPositions.get(from);
  if (map) {
    const existing = keyPositions.get(to);
    if (!existing) {
      sharedMaps.add(map);
      keyPositions.set(to, map);
    } else {
      for (const [key, position] of map) setKeyPosition(to, key, position);
    }
  }
  const own = valuePositions.get(from);
  if (own && !valuePositions.has(to)) valuePositions.set(to, own);
}

/**
 * The best known position for the value at `path` under `root`: the deepest key whose position was
 * recorded. An error about `services.web.ports[3]` points at item 3 when known, else at `ports:`.
 */
export function locate(root: unknown, path: readonly Key[]): SourcePosition | undefined {
  let best: SourcePosition | undefined = isObject(root) ? valuePositions.get(root) : undefined;
  let current: unknown = root;
  for (const key of path) {
    if (!isObject(current)) break;
    best = keyPosition(current, key) ?? best;
    current = (current as Record<Key, unknown>)[key];
  }
  return best;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
