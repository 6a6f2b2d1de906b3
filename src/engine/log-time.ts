// Log timestamps as integer nanoseconds since the epoch: conmon's entries, Docker's -t text, --since/--until bounds.
import { ValueError } from '../errors.js';
import { parseDurationNanoseconds } from '../spec/syntax/duration.js';

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** `2024-05-01T10:00:00[.fraction](Z|±hh:mm|±hhmm)`, the parts a log or a user writes. */
const RFC3339_LIKE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

interface TimeParts {
  epochSeconds: number;
  nanos: bigint;
  /** No zone was written: the numbers are local time. */
  local: boolean;
}

function fractionNanos(fraction: string | undefined): bigint {
  if (!fraction) return 0n;
  return BigInt(fraction.slice(0, 9).padEnd(9, '0'));
}

function parseRfc3339Like(text: string): TimeParts | undefined {
  const match = RFC3339_LIKE.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction, zone] = match;
  const fields = [Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)] as const;
  if (fields[1] > 11 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 || fields[4] > 59 || fields[5] > 60) return undefined;
  if (zone === undefined) {
    const local = new Date(...fields);
    return { epochSeconds: Math.floor(local.getTime() / 1000), nanos: fractionNanos(fraction), local: true };
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * (zone.startsWith('-') ? -1 : 1);
  }
  const utc = Date.UTC(...fields) / 1000 - offsetMinutes * 60;
  return { epochSeconds: utc, nanos: fractionNanos(fraction), local: false };
}

/** A log entry's time (conmon writes RFC 3339 with nanoseconds and the local offset) in ns; undefined if unreadable. */
export function logTimeNs(time: string): bigint | undefined {
  const parts = parseRfc3339Like(time);
  return parts ? BigInt(parts.epochSeconds) * NS_PER_SECOND + parts.nanos : undefined;
}

/** Docker's `logs -t` text: UTC, always nine fraction digits (`2024-05-01T10:00:00.000000001Z`). */
export function formatLogTimeUtc(ns: bigint): string {
  const seconds = ns / NS_PER_SECOND;
  const nanos = ns % NS_PER_SECOND;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}.${nanos.toString().padStart(9, '0')}Z`;
}

/** Milliseconds since the epoch → ns. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms)) * NS_PER_MS;
}

/**
 * A `--since`/`--until` value in ns, read as the Docker client reads it: a Go duration back from
 * `nowMs` (whole seconds, as Docker sends it), an RFC 3339 date or time (local time when no zone is
 * written; any part after the date may be left out), or Unix seconds with an optional fraction.
 */
export function parseTimeBound(value: string, nowMs: number): bigint {
  const text = value.trim();
  if (text !== '0' && /^[+-]?[\d.]+[a-zµμ]/.test(text)) {
    let duration: bigint | undefined;
    try {
      duration = parseDurationNanoseconds(text);
    } catch {
      duration = undefined;
    }
    if (duration !== undefined) {
      // Docker's client sends whole seconds: `reference.Add(-d).Unix()` (floored, also before 1970).
      const at = msToNs(nowMs) - duration;
      const seconds = at >= 0n ? at / NS_PER_SECOND : -((-at + NS_PER_SECOND - 1n) / NS_PER_SECOND);
      return seconds * NS_PER_SECOND;
    }
  }
  const parts = parseRfc3339Like(text);
  if (parts) return BigInt(parts.epochSeconds) * NS_PER_SECOND + parts.nanos;
  const unix = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (unix) return BigInt(unix[1] ?? '0') * NS_PER_SECOND + fractionNanos(unix[2]);
  throw new ValueError(
    `expected a time or a duration, found "${value}"`,
    'write an RFC 3339 time (2024-05-01T10:00:00Z, 2024-05-01), Unix seconds (1714557600), or a duration back from now (10m, 1h30m)',
  );
}
