import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import { parseShellWords, splitShellWords } from '../../../../src/spec/syntax/shell-words.js';

const splits: [string, string[]][] = [
  ['echo hello world', ['echo', 'hello', 'world']],
  ['  echo \t spaced\n ', ['echo', 'spaced']],
  [`sh -c "echo 'a b'"`, ['sh', '-c', "echo 'a b'"]],
  [`echo 'a "b" c'`, ['echo', 'a "b" c']],
  ['echo a\\ b', ['echo', 'a b']],
  ['echo "a\\"b"', ['echo', 'a"b']],
  ['echo "a\\nb"', ['echo', 'anb']],
  ["echo 'a\\nb'", ['echo', 'a\\nb']],
  ['echo "" x', ['echo', '', 'x']],
  ["echo ''", ['echo', '']],
  ['a"b c"d', ['ab cd']],
  ['echo $HOME ${X}', ['echo', '$HOME', '${X}']],
  ['echo $(ls -l) `date -u`', ['echo', '$(ls -l)', '`date -u`']],
  ['echo a && echo b', ['echo', 'a']],
  ['echo a; echo b', ['echo', 'a']],
  ['cat x 2>/dev/null', ['cat', 'x']],
  ['echo "a;b|c"', ['echo', 'a;b|c']],
  ['', []],
];
for (const [text, words] of splits) {
  test(`shell words of ${JSON.stringify(text)}`, (t) => {
    t.deepEqual(splitShellWords(text), words);
  });
}

test('the text compose drops after an operator is reported', (t) => {
  t.deepEqual(parseShellWords('echo a && echo b'), { words: ['echo', 'a'], ignoredRest: '&& echo b' });
  t.deepEqual(parseShellWords('echo a'), { words: ['echo', 'a'], ignoredRest: undefined });
});

const rejects: [string, string][] = [
  [`echo "abc`, 'cannot split command "echo "abc" into words: a double quote (") is not closed'],
  [`echo 'abc`, `cannot split command "echo 'abc" into words: a single quote (') is not closed`],
  ['echo abc\\', 'cannot split command "echo abc\\" into words: it ends with a lone backslash'],
  ['echo `date', 'cannot split command "echo `date" into words: a backquote (`) is not closed'],
  ['echo (a)', 'cannot split command "echo (a)" into words: a "(" outside quotes'],
  ['echo a)', 'cannot split command "echo a)" into words: a "$(" or ")" is not matched'],
];
for (const [text, message] of rejects) {
  test(`shell words of ${JSON.stringify(text)} are rejected`, (t) => {
    const error = t.throws(() => splitShellWords(text), { instanceOf: ValueError });
    t.is(error?.message, message);
    t.regex(error?.hint ?? '', /as a list/);
  });
}
