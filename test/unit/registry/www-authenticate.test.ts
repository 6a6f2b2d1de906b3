import test from 'ava';
import { parseWwwAuthenticate } from '../../../src/image/registry/www-authenticate.js';

test('a Bearer challenge yields realm, service and scope', (t) => {
  t.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:team/app:pull,push' } },
  ]);
});

test('a Basic challenge with a realm', (t) => {
  t.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
});

test('several challenges in one header, unquoted values and escapes', (t) => {
  t.deepEqual(parseWwwAuthenticate('Basic realm=simple, Bearer realm="a\\"b", error="insufficient_scope"'), [
    { scheme: 'basic', params: { realm: 'simple' } },
    { scheme: 'bearer', params: { realm: 'a"b', error: 'insufficient_scope' } },
  ]);
});

test('an empty or garbage header gives no usable challenge', (t) => {
  t.deepEqual(parseWwwAuthenticate(''), []);
  t.deepEqual(parseWwwAuthenticate('=== "'), []);
});
