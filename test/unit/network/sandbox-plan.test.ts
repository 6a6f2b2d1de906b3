import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { parseNetworkMode } from '../../../src/network/network-mode.js';
import { bindingsClash, planPorts } from '../../../src/network/published-ports.js';
import { macFromAddress, orderEndpoints } from '../../../src/network/sandbox.js';
import { bridgeNameFor } from '../../../src/network/bridge-network.js';

test('a generated MAC is locally administered and carries the IPv4 address, as Docker makes it', (t) => {
  t.is(macFromAddress('172.17.0.2'), '02:42:ac:11:00:02');
});

test('interfaces follow priority (higher first), then declaration order', (t) => {
  const ordered = orderEndpoints([{ name: 'a' }, { name: 'b', priority: 5 }, { name: 'c' }, { name: 'd', priority: 5 }]);
  t.deepEqual(ordered.map((item) => item.name), ['b', 'd', 'a', 'c']);
});

test('ports: host_ip defaults to 0.0.0.0, a range lists its ports, no published means any', (t) => {
  const plan = planPorts(
    [
      { mode: 'ingress', target: 80, published: '8080-8082', protocol: 'tcp' },
      { mode: 'ingress', target: 53, protocol: 'udp', host_ip: '127.0.0.1' },
    ],
    'services.web.ports',
  );
  t.deepEqual(plan, [
    { protocol: 'tcp', hostIp: '0.0.0.0', hostPorts: [8080, 8081, 8082], containerPort: 80, keyPath: 'services.web.ports[0]' },
    { protocol: 'udp', hostIp: '127.0.0.1', hostPorts: [], containerPort: 53, keyPath: 'services.web.ports[1]' },
  ]);
});

test('ports: a bad range, an IPv6 host_ip and sctp are UserErrors with the key path', (t) => {
  const error = t.throws(() => planPorts([{ mode: 'ingress', target: 80, published: '9-8', protocol: 'tcp' }], 'p'), { instanceOf: UserError });
  t.is((error as UserError).keyPath, 'p[0].published');
  t.throws(() => planPorts([{ mode: 'ingress', target: 80, protocol: 'tcp', host_ip: '::1' }], 'p'), { message: /IPv4 host_ip/ });
  t.throws(() => planPorts([{ mode: 'ingress', target: 80, protocol: 'sctp' }], 'p'), { message: /tcp or udp/ });
});

test('a wildcard binding clashes with every address on its port and protocol', (t) => {
  t.true(bindingsClash({ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 80 }, { protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 80 }));
  t.false(bindingsClash({ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 80 }, { protocol: 'udp', hostIp: '127.0.0.1', hostPort: 80 }));
  t.false(bindingsClash({ protocol: 'tcp', hostIp: '127.0.0.2', hostPort: 80 }, { protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 80 }));
});

test('network_mode values parse; bridge names come from the id or a checked driver option', (t) => {
  t.deepEqual(parseNetworkMode(undefined), { kind: 'bridge' });
  t.deepEqual(parseNetworkMode('service:db'), { kind: 'service', service: 'db' });
  t.deepEqual(parseNetworkMode('container:abc'), { kind: 'container', container: 'abc' });
  t.is(bridgeNameFor('f'.repeat(64), {}, 'n'), 'br-ffffffffffff');
  t.is(bridgeNameFor('f'.repeat(64), { driver_opts: { 'com.docker.network.bridge.name': 'mybr0' } }, 'n'), 'mybr0');
  t.throws(() => bridgeNameFor('f'.repeat(64), { driver_opts: { 'com.docker.network.bridge.name': 'x'.repeat(16) } }, 'n'), { message: /16 characters/ });
});
