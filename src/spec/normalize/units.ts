// Durations and byte sizes at a key path: parsed by the syntax parsers, held as compose prints them.
import { parseByteSize } from '../syntax/byte-size.js';
import { formatDurationNanoseconds, parseDurationNanoseconds } from '../syntax/duration.js';
import { type KeyPath, type NormalizeScope, parseAt, userError } from './context.js';

/** Go duration text as compose prints it (`90s` → `1m30s`); undefined when absent. */
export function durationAt(scope: NormalizeScope, path: KeyPath, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw userError(scope, path, `expected a duration like "30s", found ${JSON.stringify(value)}`);
  }
  return parseAt(scope, path, () => formatDurationNanoseconds(parseDurationNanoseconds(value)));
}

/** A byte size in bytes (`512m` → 536870912); undefined when absent. */
export function byteSizeAt(scope: NormalizeScope, path: KeyPath, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw userError(scope, path, `expected a size like "512m", found ${JSON.stringify(value)}`);
  }
  return parseAt(scope, path, () => parseByteSize(value));
}

/** Like byteSizeAt, but 0 counts as unset (compose omits zero sizes). */
export function nonZeroByteSizeAt(scope: NormalizeScope, path: KeyPath, value: unknown): number | undefined {
  const size = byteSizeAt(scope, path, value);
  return size === 0 ? undefined : size;
}
