import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import type { ServicePortConfig } from '../../../../src/spec/model.js';
import { parsePortSpec } from '../../../../src/spec/syntax/ports.js';

const tcp = (target: number, published?: string, host_ip?: string): ServicePortConfig => ({
  mode: 'ingress',
  ...(host_ip ? { host_ip } : {}),
  target,
  ...(published ? { published } : {}),
  protocol: 'tcp',
});

const parses: [string | number, ServicePortConfig[]][] = [
  ['80', [tcp(80)]],
  [80, [tcp(80)]],
  ['8080:80', [tcp(80, '8080')]],
  ['127.0.0.1:8080:80', [tcp(80, '8080', '127.0.0.1')]],
  ['127.0.0.1::80', [tcp(80, undefined, '127.0.0.1')]],
  ['[::1]:8080:80', [tcp(80, '8080', '::1')]],
  ['::1:8080:80', [tcp(80, '8080', '::1')]],
  ['0:80', [tcp(80, '0')]],
  ['80/tcp', [tcp(80)]],
  ['53:53/UDP', [{ mode: 'ingress', target: 53, published: '53', protocol: 'udp' }]],
  ['9000/sctp', [{ mode: 'ingress', target: 9000, protocol: 'sctp' }]],
  [
    '8080-8081:80-81/udp',
    [
      { mode: 'ingress', target: 80, published: '8080', protocol: 'udp' },
      { mode: 'ingress', target: 81, published: '8081', protocol: 'udp' },
    ],
  ],
  ['9090-9091:8080', [tcp(8080, '9090-9091')]],
  ['3000-3001', [tcp(3000), tcp(3001)]],
  // compose-go sorts by the text key `port/proto`: 10 before 8 and 9.
  ['8-10', [tcp(10), tcp(8), tcp(9)]],
  ['80-80:8080-8080', [tcp(8080, '80')]],
];
for (const [spec, expected] of parses) {
  test(`port ${JSON.stringify(spec)} becomes compose's long form`, (t) => {
    t.deepEqual(parsePortSpec(spec), expected);
  });
}

test('long form keys come in the order compose prints them', (t) => {
  t.deepEqual(Object.keys(parsePortSpec('127.0.0.1:8080:80')[0] ?? {}), [
    'mode',
    'host_ip',
    'target',
    'published',
    'protocol',
  ]);
});

const rejects: [string, string][] = [
  ['8080:', 'invalid port "8080:": no container port'],
  ['80/xyz', 'invalid port "80/xyz": unknown protocol "xyz"'],
  ['abc:80:80', 'invalid port "abc:80:80": "abc" is not an IP address'],
  ['[::1:80:80', 'invalid port "[::1:80:80": "[::1" is not an IP address'],
  ['70000', 'invalid port "70000": container port 70000 is out of range'],
  ['70000:80', 'invalid port "70000:80": host port 70000 is out of range'],
  ['0', 'invalid port "0": container port 0 is not a port'],
  ['http', 'invalid port "http": container port "http" is not a number'],
  ['81-80', 'invalid port "81-80": container port range 81-80 ends before it starts'],
  [
    '8080-8082:80-81',
    'invalid port "8080-8082:80-81": host range 8080-8082 has 3 ports but container range 80-81 has 2',
  ],
  ['8080:80-81', 'invalid port "8080:80-81": host range 8080 has 1 ports but container range 80-81 has 2'],
];
for (const [spec, message] of rejects) {
  test(`port "${spec}" is rejected`, (t) => {
    const error = t.throws(() => parsePortSpec(spec), { instanceOf: ValueError });
    t.is(error?.message, message);
    t.truthy(error?.hint);
  });
}
