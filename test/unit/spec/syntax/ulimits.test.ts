import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import { parseUlimit } from '../../../../src/spec/syntax/ulimits.js';

test('a single number sets both soft and hard', (t) => {
  t.deepEqual(parseUlimit(65535), { soft: 65535, hard: 65535 });
});

test('soft and hard are kept when soft is not above hard', (t) => {
  t.deepEqual(parseUlimit({ soft: 1024, hard: 4096 }), { soft: 1024, hard: 4096 });
  t.deepEqual(parseUlimit({ soft: 10, hard: 10 }), { soft: 10, hard: 10 });
});

test('a soft limit above the hard limit is rejected', (t) => {
  const error = t.throws(() => parseUlimit({ soft: 2000, hard: 1000 }), { instanceOf: ValueError });
  t.is(error?.message, 'invalid ulimit: soft limit 2000 is greater than hard limit 1000');
  t.is(error?.hint, 'the soft limit must be less than or equal to the hard limit');
});

test('a fractional limit is rejected', (t) => {
  t.throws(() => parseUlimit(1.5), { message: 'invalid ulimit: soft limit 1.5 is not a whole number' });
});
