// Writing user-chosen keys into plain objects without letting `__proto__` change the prototype.

/** `map[key] = value`, except that a key named `__proto__` becomes an ordinary own property. */
export function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}
