// Byte sizes (`512m`, `1g`, `1.5GB`, `100`) to a number of bytes, with docker's RAMInBytes rules.
//
// Compose reads a size as a plain integer when it is one (so `-1` for "unlimited" swap passes), else
// with go-units' RAMInBytes: a non-negative decimal number, an optional space, and a case-insensitive
// unit b, k, m, g, t, p (all 1024-based) optionally followed by `b` or `ib`. The result is truncated.
import { ValueError } from '../../errors.js';

const MULTIPLIERS: ReadonlyMap<string, number> = new Map([
  ['k', 1024],
  ['m', 1024 ** 2],
  ['g', 1024 ** 3],
  ['t', 1024 ** 4],
  ['p', 1024 ** 5],
]);

const UNITS_HINT =
  'write a number of bytes or a number with a unit: b, k, m, g, t, p (1024-based), optionally followed by b or ib, e.g. 512m, 1g, 1.5GB';

export function parseByteSize(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new ValueError(`invalid size ${value}: expected a whole number of bytes`, UNITS_HINT);
    }
    return value;
  }
  if (/^[+-]?\d+$/.test(value)) return Number(value);

  // The number ends at the last digit, dot or space; one space may separate it from the unit.
  const end = Math.max(...[...'0123456789. '].map((c) => value.lastIndexOf(c)));
  if (end === -1) throw invalid(value, 'expected a number');
  const numberText = value[end] === ' ' ? value.slice(0, end) : value.slice(0, end + 1);
  const suffix = value.slice(end + 1);

  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(numberText)) {
    throw invalid(value, `"${numberText}" is not a number`);
  }
  const size = Number(numberText);
  if (size < 0) throw invalid(value, 'a size cannot be negative');
  if (suffix === '') return Math.trunc(size);

  const unit = suffix.toLowerCase();
  if (unit === 'b') return Math.trunc(size);
  const multiplier = MULTIPLIERS.get(unit[0] ?? '');
  const tailOk = unit.length === 1 || unit.slice(1) === 'b' || unit.slice(1) === 'ib';
  if (multiplier === undefined || !tailOk) throw invalid(value, `unknown unit "${suffix}"`);
  return Math.trunc(size * multiplier);
}

function invalid(text: string, why: string): ValueError {
  return new ValueError(`invalid size "${text}": ${why}`, UNITS_HINT);
}
