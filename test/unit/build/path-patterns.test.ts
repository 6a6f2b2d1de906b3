import test from 'ava';
import { ValueError } from '../../../src/errors.js';
import { IgnoreMatcher, parseDockerignore } from '../../../src/build/dockerignore.js';
import { hasWildcard, matchPath } from '../../../src/build/path-pattern.js';

test('filepath.Match: * and ? never cross a slash; classes, ranges, negation and escapes', (t) => {
  t.true(matchPath('*.txt', 'a.txt'));
  t.false(matchPath('*.txt', 'dir/a.txt'));
  t.true(matchPath('dir/*.txt', 'dir/a.txt'));
  t.true(matchPath('a?c', 'abc'));
  t.false(matchPath('a?c', 'a/c'));
  t.true(matchPath('[a-c]x', 'bx'));
  t.false(matchPath('[^a-c]x', 'bx'));
  t.true(matchPath('[^a-c]x', 'dx'));
  t.true(matchPath('\\*lit', '*lit'));
  t.false(matchPath('\\*lit', 'xlit'));
  t.true(matchPath('a.(b)+{c}$', 'a.(b)+{c}$'), 'regex characters are literal');
  t.true(matchPath('**', 'abc'), 'in filepath.Match ** is just *');
  t.false(matchPath('**', 'a/b'));
});

test('malformed patterns are errors', (t) => {
  t.throws(() => matchPath('[abc', 'a'), { instanceOf: ValueError, message: /syntax error in pattern/ });
  t.throws(() => matchPath('x\\', 'x'), { instanceOf: ValueError });
  t.throws(() => matchPath('[z-a]', 'b'), { instanceOf: ValueError });
});

test('wildcards are told apart from plain names', (t) => {
  t.true(hasWildcard('src/*.ts'));
  t.true(hasWildcard('file[0-9]'));
  t.false(hasWildcard('plain/name.txt'));
});

test('.dockerignore lines: comments and blanks dropped, paths cleaned, leading / removed, ! kept', (t) => {
  t.deepEqual(parseDockerignore('# comment\n\n  node_modules/  \n/build\n!  keep.txt\n./a/../b\n **/*.log\n'), ['node_modules', 'build', '!keep.txt', 'b', '**/*.log']);
});

test('a pattern excludes a path when it matches the path or one of its parents; the last match wins', (t) => {
  const ignore = new IgnoreMatcher(parseDockerignore('node_modules\n*.md\n!README.md\ndocs/**\n!docs/keep/**\n'));
  t.true(ignore.matches('node_modules'));
  t.true(ignore.matches('node_modules/pkg/index.js'), 'a parent directory matched');
  t.true(ignore.matches('CHANGES.md'));
  t.false(ignore.matches('README.md'), 'exception after the exclusion');
  t.false(ignore.matches('sub/CHANGES.md'), '* does not cross directories');
  t.true(ignore.matches('docs/a/b.txt'));
  t.false(ignore.matches('docs/keep/x.txt'));
  t.false(ignore.matches('src/main.ts'));
  t.true(ignore.hasExceptions);
});

test('** matches any number of directories, none included', (t) => {
  const ignore = new IgnoreMatcher(['**/*.log', 'a/**/z']);
  t.true(ignore.matches('x.log'));
  t.true(ignore.matches('deep/er/x.log'));
  t.true(ignore.matches('a/z'));
  t.true(ignore.matches('a/b/c/z'));
  t.false(ignore.matches('b/z'));
});

test('an exclusion pattern without a path is an error', (t) => {
  t.throws(() => new IgnoreMatcher(['!']), { instanceOf: ValueError, message: /illegal exclusion pattern/ });
});
