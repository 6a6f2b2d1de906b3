import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { allocateAddress, planAddressing } from '../../../src/network/ipam.js';
import { parsePrefix } from '../../../src/network/ipv4.js';

const key = 'networks.front';

test('an automatic subnet skips subnets held by berth networks and routed by the host', (t) => {
  const held = [parsePrefix('172.17.0.0/16')];
  const routes = [parsePrefix('0.0.0.0/0'), parsePrefix('172.18.5.0/24')];
  t.deepEqual(planAddressing(undefined, held, routes, key), { subnet: '172.19.0.0/16', gateway: '172.19.0.1', auxAddresses: {} });
});

test('after 172.31/16 the automatic pool continues with 192.168.x.0/20', (t) => {
  const held = Array.from({ length: 15 }, (_, i) => parsePrefix(`172.${17 + i}.0.0/16`));
  t.is(planAddressing(undefined, held, [parsePrefix('192.168.0.0/24')], key).subnet, '192.168.16.0/20');
});

test('an exhausted default pool is a UserError with a hint', (t) => {
  const error = t.throws(() => planAddressing(undefined, [parsePrefix('172.16.0.0/12'), parsePrefix('192.168.0.0/16')], [], key), { instanceOf: UserError });
  t.regex(error.message, /all default address pools are in use/);
  t.truthy((error as UserError).hint);
});

test('ipam config gives subnet, gateway, ip_range and aux addresses', (t) => {
  const plan = planAddressing([{ subnet: '10.231.0.0/24', gateway: '10.231.0.254', ip_range: '10.231.0.128/25', aux_addresses: { printer: '10.231.0.200' } }], [], [], key);
  t.deepEqual(plan, { subnet: '10.231.0.0/24', gateway: '10.231.0.254', ipRange: '10.231.0.128/25', auxAddresses: { printer: '10.231.0.200' } });
  t.is(allocateAddress(plan, new Set(), undefined, 'x'), '10.231.0.128');
  t.is(allocateAddress(plan, new Set(['10.231.0.128']), undefined, 'x'), '10.231.0.129');
});

test('a subnet that overlaps another berth network is refused with the clash named', (t) => {
  const error = t.throws(() => planAddressing([{ subnet: '10.231.0.0/23' }], [parsePrefix('10.231.1.0/24')], [], key), { instanceOf: UserError });
  t.is(error.message, 'subnet 10.231.0.0/23 overlaps 10.231.1.0/24 of another berth network');
  t.is((error as UserError).keyPath, 'networks.front.ipam.config[0].subnet');
});

test('an IPv6 subnet is refused as the wrong address family', (t) => {
  const error = t.throws(() => planAddressing([{ subnet: 'fd00:1::/64' }], [], [], key), { instanceOf: UserError });
  t.regex(error.message, /expected an IPv4 subnet, found the IPv6 subnet/);
});

test('host bits, a gateway outside the subnet and an ip_range outside the subnet are refused', (t) => {
  t.throws(() => planAddressing([{ subnet: '10.231.0.1/24' }], [], [], key), { message: /host bits set/ });
  t.throws(() => planAddressing([{ subnet: '10.231.0.0/24', gateway: '10.232.0.1' }], [], [], key), { message: /outside subnet/ });
  t.throws(() => planAddressing([{ subnet: '10.231.0.0/24', ip_range: '10.231.1.0/25' }], [], [], key), { message: /not inside subnet/ });
});

test('a static address outside the subnet, taken, or the gateway is refused', (t) => {
  const plan = planAddressing([{ subnet: '10.231.0.0/24' }], [], [], key);
  t.throws(() => allocateAddress(plan, new Set(), '10.9.9.9', 'k'), { message: 'address 10.9.9.9 is outside subnet 10.231.0.0/24' });
  t.throws(() => allocateAddress(plan, new Set(['10.231.0.5']), '10.231.0.5', 'k'), { message: /already in use/ });
  t.throws(() => allocateAddress(plan, new Set(), '10.231.0.1', 'k'), { message: /reserved as the gateway/ });
  t.throws(() => allocateAddress(plan, new Set(), 'fd00::5', 'k'), { message: /IPv6/ });
  t.is(allocateAddress(plan, new Set(), '10.231.0.9', 'k'), '10.231.0.9');
});

test('a full subnet is a UserError', (t) => {
  const plan = planAddressing([{ subnet: '10.231.0.0/30' }], [], [], key);
  t.is(allocateAddress(plan, new Set(), undefined, 'k'), '10.231.0.2');
  t.throws(() => allocateAddress(plan, new Set(['10.231.0.2']), undefined, 'k'), { message: 'no free address left in 10.231.0.0/30' });
});
