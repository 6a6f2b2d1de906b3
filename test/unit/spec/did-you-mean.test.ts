import test from 'ava';
import { editDistance, suggest } from '../../../src/spec/did-you-mean.js';

const serviceKeys = ['image', 'ports', 'volumes', 'stop_signal', 'environment', 'restart', 'command'];

test('edit distance counts insertions, deletions and substitutions', (t) => {
  t.is(editDistance('kitten', 'sitting'), 3);
  t.is(editDistance('', 'abc'), 3);
  t.is(editDistance('abc', ''), 3);
  t.is(editDistance('same', 'same'), 0);
});

test('swapping two neighbouring letters is one edit', (t) => {
  t.is(editDistance('prots', 'ports'), 1);
  t.is(editDistance('evnironment', 'environment'), 1);
});

test('a transposed key suggests the real one', (t) => {
  t.is(suggest('prots', serviceKeys), 'ports');
});

test('a missing or extra letter suggests the real key', (t) => {
  t.is(suggest('imag', serviceKeys), 'image');
  t.is(suggest('volumess', serviceKeys), 'volumes');
  t.is(suggest('enviroment', serviceKeys), 'environment');
});

test('case and dash-for-underscore differences suggest the real key', (t) => {
  t.is(suggest('stop-signal', serviceKeys), 'stop_signal');
  t.is(suggest('Image', serviceKeys), 'image');
  t.is(suggest('STOP-SIGNAL', serviceKeys), 'stop_signal');
});

test('a word far from every candidate suggests nothing', (t) => {
  t.is(suggest('foo', serviceKeys), undefined);
  t.is(suggest('healthcheck', serviceKeys), undefined);
  t.is(suggest('x', []), undefined);
});

test('short words allow one edit only', (t) => {
  t.is(suggest('ab', ['abc']), 'abc');
  t.is(suggest('ab', ['xyz', 'abcd']), undefined);
});

test('on a tie the candidate listed first wins', (t) => {
  t.is(suggest('cat', ['bat', 'hat']), 'bat');
  t.is(suggest('cat', ['hat', 'bat']), 'hat');
});
