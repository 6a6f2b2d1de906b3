import test from 'ava';
import { projectNamePrefix, uniqueProjectName } from '../../../src/api/ava.js';

test('the project name prefix comes from the test file name, made a valid project name', (t) => {
  t.is(projectNamePrefix('/x/test/web-db.test.ts'), 'web-db');
  t.is(projectNamePrefix('file:///x/test/Checkout%20Flow.spec.mjs'), 'checkout-flow');
  t.is(projectNamePrefix('/x/_private.js'), 'private');
  t.is(projectNamePrefix('/x/___.ts'), 'stack');
});

test('unique project names differ per call and keep the prefix', (t) => {
  const names = new Set(Array.from({ length: 50 }, () => uniqueProjectName('api')));
  t.is(names.size, 50);
  for (const name of names) t.regex(name, /^api-[0-9a-z]{6}$/);
});
