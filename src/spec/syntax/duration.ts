// Go duration text (`1m30s`, `1.5h`, `2d`) to milliseconds and back, as docker compose reads and prints it.
//
// Compose decodes durations with go-str2duration (Go's time.ParseDuration plus `d` and `w` units) and
// prints them with Go's time.Duration.String(). Arithmetic is done in integer nanoseconds (BigInt) so
// `1.5h` or `10us` are exact and overflow is detected where Go detects it.
import { ValueError } from '../../errors.js';

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign
  ['\u03bcs', 1_000n], // Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
  ['d', 86_400_000_000_000n],
  ['w', 604_800_000_000_000n],
]);

const MAX_NS = (1n << 63n) - 1n;
const UNITS_HINT =
  'write a number with a unit, e.g. 30s, 1m30s, 500ms, 1.5h (units: ns, us, ms, s, m, h, d, w)';

/** Parse Go duration text into milliseconds (may be fractional, may be negative as compose allows). */
export function parseDuration(text: string | number): number {
  return Number(parseDurationNanoseconds(text)) / 1e6;
}

/** Parse Go duration text into integer nanoseconds. */
export function parseDurationNanoseconds(text: string | number): bigint {
  const original = String(text);
  let rest = original;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw invalid(original, 'it is empty');

  let total = 0n;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const whole = number?.[1] ?? '';
    const fraction = number?.[2];
    if (whole === '' && (fraction === undefined || fraction === '')) {
      throw invalid(original, `expected a number at "${rest}"`);
    }
    rest = rest.slice(number?.[0].length ?? 0);

    const unitMatch = /^[^\d.]*/.exec(rest);
    const unitText = unitMatch?.[0] ?? '';
    if (unitText === '') throw invalid(original, 'a number needs a unit');
    const unit = NS_PER_UNIT.get(unitText);
    if (unit === undefined) throw invalid(original, `unknown unit "${unitText}"`);
    rest = rest.slice(unitText.length);

    const wholeValue = BigInt(whole === '' ? '0' : whole);
    if (wholeValue > MAX_NS / unit) throw invalid(original, 'it is too large');
    let value = wholeValue * unit;
    if (fraction) value += fractionNanoseconds(fraction, unit);
    total += value;
    if (value > MAX_NS || total > MAX_NS) throw invalid(original, 'it is too large');
  }
  return negative ? -total : total;
}

/** How compose prints a duration (Go's Duration.String): `1m30s`, `1h0m0s`, `1.5s`, `500ms`, `0s`. */
export function formatDuration(ms: number): string {
  const whole = Math.trunc(ms);
  return formatDurationNanoseconds(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)));
}

export function formatDurationNanoseconds(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u === 0n) return '0s';
  if (u < 1_000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${withFraction(u, 3)}\u00b5s`;
  if (u < 1_000_000_000n) return `${sign}${withFraction(u, 6)}ms`;

  const seconds = u / 1_000_000_000n;
  let out = `${withFraction((seconds % 60n) * 1_000_000_000n + (u % 1_000_000_000n), 9)}s`;
  const minutes = seconds / 60n;
  if (minutes > 0n) {
    out = `${minutes % 60n}m${out}`;
    const hours = minutes / 60n;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return sign + out;
}

/** `value / 10^digits` printed with its fraction, trailing zeros dropped (Go's fmtFrac + fmtInt). */
function withFraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const fraction = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${value / scale}${fraction ? `.${fraction}` : ''}`;
}

/** Go adds `float64(f) * (float64(unit) / scale)` truncated; do the same so results match to the ns. */
function fractionNanoseconds(digits: string, unit: bigint): bigint {
  // Go stops accumulating precision once the digits would overflow int64 (~18 digits).
  const kept = digits.slice(0, 18);
  const scale = 10 ** kept.length;
  return BigInt(Math.trunc(Number(kept) * (Number(unit) / scale)));
}

function invalid(text: string, why: string): ValueError {
  return new ValueError(`invalid duration "${text}": ${why}`, UNITS_HINT);
}
