import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import { formatDuration, parseDuration } from '../../../../src/spec/syntax/duration.js';

const parses: [string, number][] = [
  ['1m30s', 90_000],
  ['1.5h', 5_400_000],
  ['300ms', 300],
  ['10us', 0.01],
  ['10\u00b5s', 0.01],
  ['2ns', 0.000002],
  ['0', 0],
  ['-0', 0],
  ['+5s', 5_000],
  ['-1.5s', -1_500],
  ['2d', 172_800_000],
  ['1w', 604_800_000],
  ['1h0m0s', 3_600_000],
  ['.5s', 500],
  ['1.s', 1_000],
];
for (const [text, ms] of parses) {
  test(`duration "${text}" is ${ms} ms`, (t) => {
    t.is(parseDuration(text), ms);
  });
}

const rejects: [string, string][] = [
  ['10', 'invalid duration "10": a number needs a unit'],
  ['', 'invalid duration "": it is empty'],
  ['-', 'invalid duration "-": it is empty'],
  ['5y', 'invalid duration "5y": unknown unit "y"'],
  ['1m30', 'invalid duration "1m30": a number needs a unit'],
  ['s', 'invalid duration "s": expected a number at "s"'],
  ['.s', 'invalid duration ".s": expected a number at ".s"'],
  ['1 s', 'invalid duration "1 s": unknown unit " s"'],
  ['9999999999999999999s', 'invalid duration "9999999999999999999s": it is too large'],
  ['3000000h', 'invalid duration "3000000h": it is too large'],
];
for (const [text, message] of rejects) {
  test(`duration "${text}" is rejected`, (t) => {
    const error = t.throws(() => parseDuration(text), { instanceOf: ValueError });
    t.is(error?.message, message);
    t.regex(error?.hint ?? '', /units: ns, us, ms, s, m, h, d, w/);
  });
}

test('a bare number is read as its text, so only 0 passes', (t) => {
  t.is(parseDuration(0), 0);
  t.throws(() => parseDuration(30), { message: 'invalid duration "30": a number needs a unit' });
});

const prints: [number, string][] = [
  [0, '0s'],
  [90_000, '1m30s'],
  [3_600_000, '1h0m0s'],
  [120_000, '2m0s'],
  [1_500, '1.5s'],
  [500, '500ms'],
  [1.5, '1.5ms'],
  [0.01, '10\u00b5s'],
  [0.000002, '2ns'],
  [172_800_000, '48h0m0s'],
  [-1_500, '-1.5s'],
  [5_400_123.25, '1h30m0.12325s'],
];
for (const [ms, text] of prints) {
  test(`${ms} ms prints as "${text}" as Go does`, (t) => {
    t.is(formatDuration(ms), text);
  });
}

test('parse then format gives compose canonical text', (t) => {
  t.is(formatDuration(parseDuration('90m')), '1h30m0s');
  t.is(formatDuration(parseDuration('1d')), '24h0m0s');
});
