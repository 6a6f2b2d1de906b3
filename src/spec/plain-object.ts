// Plain-object helpers for parsed compose documents: telling maps from other values, writing keys safely.

/**
 * A map of a parsed document: a plain object, not a list, null, or a `!reset`/`!override` marker
 * (markers are class instances, so their prototype is not Object.prototype).
 */
export function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `map[key] = value`, except that a key named `__proto__` becomes an ordinary own property. */
export function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}
