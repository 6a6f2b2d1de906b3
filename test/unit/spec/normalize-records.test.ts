import test from 'ava';
import { compareMapKeys } from '../../../src/spec/normalize/records.js';

test('map keys sort as compose prints Go maps: digit runs by value, non-letters before letters', (t) => {
  // yaml.v3: "_" (no digits, value 0) before "2"; 2 before 10; "_" before the letter "b".
  t.deepEqual(['b', 'a10', 'a2', 'a_b', 'ab', 'A'].sort(compareMapKeys), [
    'A',
    'a_b',
    'a2',
    'a10',
    'ab',
    'b',
  ]);
});

test('after a digit a letter sorts before a non-letter', (t) => {
  t.deepEqual(['v1.x', 'v1a'].sort(compareMapKeys), ['v1a', 'v1.x']);
});
