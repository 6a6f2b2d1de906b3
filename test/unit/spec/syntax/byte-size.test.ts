import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import { parseByteSize } from '../../../../src/spec/syntax/byte-size.js';

const parses: [string | number, number][] = [
  ['100', 100],
  [100, 100],
  ['-1', -1],
  [-1, -1],
  ['512m', 536_870_912],
  ['512M', 536_870_912],
  ['1g', 1_073_741_824],
  ['1gb', 1_073_741_824],
  ['1GiB', 1_073_741_824],
  ['1.5GB', 1_610_612_736],
  ['64k', 65_536],
  ['64kb', 65_536],
  ['10b', 10],
  ['10B', 10],
  ['2 m', 2_097_152],
  ['1t', 1024 ** 4],
  ['1p', 1024 ** 5],
  ['1.9', 1],
  ['0.5k', 512],
];
for (const [value, bytes] of parses) {
  test(`size ${JSON.stringify(value)} is ${bytes} bytes`, (t) => {
    t.is(parseByteSize(value), bytes);
  });
}

const rejects: [string | number, string][] = [
  ['abc', 'invalid size "abc": expected a number'],
  ['12x', 'invalid size "12x": unknown unit "x"'],
  ['1gig', 'invalid size "1gig": unknown unit "gig"'],
  ['1mbb', 'invalid size "1mbb": unknown unit "mbb"'],
  ['1bb', 'invalid size "1bb": unknown unit "bb"'],
  ['1mib2', 'invalid size "1mib2": "1mib2" is not a number'],
  ['-1m', 'invalid size "-1m": a size cannot be negative'],
  [1.5, 'invalid size 1.5: expected a whole number of bytes'],
];
for (const [value, message] of rejects) {
  test(`size ${JSON.stringify(value)} is rejected naming the accepted units`, (t) => {
    const error = t.throws(() => parseByteSize(value), { instanceOf: ValueError });
    t.is(error?.message, message);
    t.regex(error?.hint ?? '', /b, k, m, g, t, p \(1024-based\)/);
  });
}
