import test from 'ava';
import { ValueError } from '../../../src/errors.js';
import { expandWord, expandWords, splitRawWords } from '../../../src/build/word-expansion.js';

const env: Record<string, string> = { NAME: 'web', EMPTY: '', PATH_LIKE: '/usr/local/bin:/usr/bin', SPACED: 'a b  c', FILE: 'archive.tar.gz' };
const lookup = (name: string): string | undefined => env[name];

test('$VAR and ${VAR} expand; unset variables expand to nothing; a $ that starts no name stays', (t) => {
  t.is(expandWord('$NAME-${NAME}.$UNSET.', lookup), 'web-web..');
  t.is(expandWord('cost: 5$ and $1x and $', lookup), 'cost: 5$ and x and $');
});

test('${VAR:-d} and ${VAR-d} differ on set-but-empty; ${VAR:+a} and ${VAR+a} likewise', (t) => {
  t.is(expandWord('${EMPTY:-dflt}|${EMPTY-dflt}|${UNSET-dflt}|${NAME:-dflt}', lookup), 'dflt||dflt|web');
  t.is(expandWord('${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}|${NAME:+alt}', lookup), '|alt||alt');
});

test('defaults are themselves expanded and may nest', (t) => {
  t.is(expandWord('${UNSET:-${NAME:-x}/bin}', lookup), 'web/bin');
  t.is(expandWord('${UNSET:-"quoted } brace"}', lookup), 'quoted } brace');
});

test('${VAR:?msg} fails with the message when unset or empty, and only then', (t) => {
  t.is(expandWord('${NAME:?needed}', lookup), 'web');
  t.throws(() => expandWord('${EMPTY:?must be set}', lookup), { instanceOf: ValueError, message: 'EMPTY: must be set' });
  t.is(expandWord('${EMPTY?set is enough}', lookup), '');
});

test('prefix and suffix removal take the shortest or longest glob match', (t) => {
  t.is(expandWord('${FILE%.*}|${FILE%%.*}|${FILE#*.}|${FILE##*.}', lookup), 'archive.tar|archive|tar.gz|gz');
});

test('single quotes are literal, double quotes expand, the escape character escapes', (t) => {
  t.is(expandWord(`'$NAME'"$NAME"\\$NAME`, lookup), '$NAMEweb$NAME');
  t.is(expandWord('"a \\" b \\x"', lookup), 'a " b \\x');
  t.is(expandWord('`$NAME', lookup, { escape: '`' }), '$NAME');
});

test('unterminated quotes and bad substitutions are errors', (t) => {
  t.throws(() => expandWord("'open", lookup), { instanceOf: ValueError, message: /single-quote/ });
  t.throws(() => expandWord('"open', lookup), { instanceOf: ValueError, message: /double-quote/ });
  t.throws(() => expandWord('${NAME', lookup), { instanceOf: ValueError, message: /missing '}'/ });
  t.throws(() => expandWord('${}', lookup), { instanceOf: ValueError, message: /bad substitution/ });
  t.throws(() => expandWord('${NAME/a/b}', lookup), { instanceOf: ValueError, message: /bad substitution/ });
});

test('words split on unquoted blanks, including blanks an unquoted variable brings in', (t) => {
  t.deepEqual(expandWords('80 $SPACED "$SPACED" 443/udp', lookup), ['80', 'a', 'b', 'c', 'a b  c', '443/udp']);
});

test('raw words keep quotes and escapes for later expansion', (t) => {
  t.deepEqual(splitRawWords(`A="x y" B='$v' C=a\\ b`), ['A="x y"', "B='$v'", 'C=a\\ b']);
});

test('every referenced variable is reported, set or not', (t) => {
  const seen: string[] = [];
  expandWord('$NAME ${UNSET:-x} "${EMPTY}"', lookup, { onVariable: (name) => seen.push(name) });
  t.deepEqual(seen, ['NAME', 'UNSET', 'EMPTY']);
});
