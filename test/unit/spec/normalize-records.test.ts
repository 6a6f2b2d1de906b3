import test from 'ava';
import { compareMapKeys } from '../../../src/spec/normalize/records.js';
import { splitShellWords } from '../../../src/spec/normalize/shell-words.js';

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

test('shell words: quotes group, escapes apply, empty quotes make an empty word', (t) => {
  t.deepEqual(splitShellWords(`echo "a b" 'c\\d' e\\ f ""`).words, ['echo', 'a b', 'c\\d', 'e f', '']);
});

test('shell words: an unquoted operator ends the command and says where', (t) => {
  t.deepEqual(splitShellWords('a | b'), { words: ['a'], droppedFrom: 2 });
  t.deepEqual(splitShellWords('run 2>err').words, ['run']);
  t.deepEqual(splitShellWords('echo "a|b"').words, ['echo', 'a|b']);
});

test('shell words: unterminated quotes and stray parentheses are errors', (t) => {
  t.throws(() => splitShellWords('echo "open'), { name: 'ValueError' });
  t.throws(() => splitShellWords('echo (x)'), { name: 'ValueError' });
  t.deepEqual(splitShellWords('echo $(date)').words, ['echo', '$(date)']);
});
