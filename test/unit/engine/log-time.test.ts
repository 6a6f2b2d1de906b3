import test from 'ava';
import { ValueError } from '../../../src/errors.js';
import { formatLogTimeUtc, logTimeNs, parseTimeBound } from '../../../src/engine/log-time.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0, 750);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

test('conmon timestamps read to the nanosecond, whatever the offset', (t) => {
  t.is(logTimeNs('2024-05-01T12:00:00.000000001+00:00'), ns(Date.UTC(2024, 4, 1, 12)) + 1n);
  t.is(logTimeNs('2024-05-01T14:00:00.5+02:00'), ns(Date.UTC(2024, 4, 1, 12)) + 500_000_000n);
  t.is(logTimeNs('2024-05-01T12:00:00Z'), ns(Date.UTC(2024, 4, 1, 12)));
  t.is(logTimeNs('garbage'), undefined);
});

test('-t prints UTC with nine fraction digits', (t) => {
  t.is(formatLogTimeUtc(ns(Date.UTC(2024, 4, 1, 12)) + 42n), '2024-05-01T12:00:00.000000042Z');
  t.is(formatLogTimeUtc(logTimeNs('2024-05-01T14:00:00.123456789+02:00') ?? 0n), '2024-05-01T12:00:00.123456789Z');
});

test('--since durations count back from now in whole seconds, as the Docker client sends them', (t) => {
  t.is(parseTimeBound('10m', NOW), ns(Date.UTC(2024, 4, 1, 11, 50, 0)));
  t.is(parseTimeBound('1h30m', NOW), ns(Date.UTC(2024, 4, 1, 10, 30, 0)));
  // 12:00:00.750 - 1.5 s = 11:59:59.250, sent as 11:59:59.
  t.is(parseTimeBound('1.5s', NOW), ns(Date.UTC(2024, 4, 1, 11, 59, 59)));
});

test('--since RFC 3339 times, dates and Unix seconds', (t) => {
  t.is(parseTimeBound('2013-01-02T13:23:37Z', NOW), ns(Date.UTC(2013, 0, 2, 13, 23, 37)));
  t.is(parseTimeBound('2013-01-02T13:23:37.25+01:00', NOW), ns(Date.UTC(2013, 0, 2, 12, 23, 37, 250)));
  t.is(parseTimeBound('2013-01-02Z', NOW), ns(Date.UTC(2013, 0, 2)));
  t.is(parseTimeBound('1714557600', NOW), ns(1714557600_000));
  t.is(parseTimeBound('1714557600.5', NOW), ns(1714557600_500));
  // No zone: local time, as the Docker client reads it.
  t.is(parseTimeBound('2013-01-02T13:23', NOW), ns(new Date(2013, 0, 2, 13, 23).getTime()));
  t.is(parseTimeBound('2013-01-02', NOW), ns(new Date(2013, 0, 2).getTime()));
  // "0" is the Unix epoch, not a zero duration.
  t.is(parseTimeBound('0', NOW), 0n);
});

test('a value that is neither a time nor a duration is refused with a hint', (t) => {
  const error = t.throws(() => parseTimeBound('yesterday', NOW), { instanceOf: ValueError });
  t.regex(error.message, /expected a time or a duration, found "yesterday"/);
  t.truthy(error.hint);
  t.throws(() => parseTimeBound('2013-13-02', NOW), { instanceOf: ValueError });
  t.throws(() => parseTimeBound('10parsecs', NOW), { instanceOf: ValueError });
});
