import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import { parseExtraHosts } from '../../../../src/spec/syntax/extra-hosts.js';

test('list items split at "=" first, then at the first ":"', (t) => {
  t.deepEqual(parseExtraHosts(['somehost:162.242.195.82', 'other=50.31.209.229', 'v6:::1', 'v6b=[::2]']), {
    somehost: ['162.242.195.82'],
    other: ['50.31.209.229'],
    v6: ['::1'],
    v6b: ['::2'],
  });
});

test('repeated hosts and comma lists collect every IP', (t) => {
  t.deepEqual(parseExtraHosts(['h=1.1.1.1,2.2.2.2', 'h:3.3.3.3']), { h: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] });
});

test('the map form takes a string, a list, or null', (t) => {
  t.deepEqual(parseExtraHosts({ a: '1.1.1.1', b: ['[::1]', '2.2.2.2'], c: null }), {
    a: ['1.1.1.1'],
    b: ['::1', '2.2.2.2'],
    c: [''],
  });
});

test('a host named __proto__ is kept as a host', (t) => {
  const hosts = parseExtraHosts(['__proto__=1.2.3.4']);
  t.deepEqual(Object.keys(hosts), ['__proto__']);
  t.deepEqual(Object.getOwnPropertyDescriptor(hosts, '__proto__')?.value, ['1.2.3.4']);
});

const rejects: [Parameters<typeof parseExtraHosts>[0], string][] = [
  [['nohost'], 'invalid extra host "nohost": no IP address'],
  [['=1.2.3.4'], 'invalid extra host: bad host name ""'],
  [{ 'a:b': '1.2.3.4' }, 'invalid extra host: bad host name "a:b"'],
];
for (const [value, message] of rejects) {
  test(`extra_hosts ${JSON.stringify(value)} is rejected`, (t) => {
    const error = t.throws(() => parseExtraHosts(value), { instanceOf: ValueError });
    t.is(error?.message, message);
    t.regex(error?.hint ?? '', /host=ip/);
  });
}
