import test from 'ava';
import { hostForwardAcceptRules, networkTableScript, portForwardScript, tableName } from '../../../src/network/firewall.js';

const id = `0123456789ab${'c'.repeat(52)}`;

test('a network table isolates by bridge group, masquerades egress and holds DNAT maps', (t) => {
  const script = networkTableScript({ id, bridge: 'br-0123456789ab', subnet: '10.1.0.0/24', internal: false });
  t.true(script.startsWith('table inet berth-0123456789ab {\n'));
  t.true(script.includes('    iifname "br-0123456789ab" oifgroup 0xbe2 drop\n'));
  t.true(script.includes('    oifname "br-0123456789ab" iifgroup 0xbe2 drop\n'));
  t.true(script.includes('    ip saddr 10.1.0.0/24 oifname != "br-0123456789ab" masquerade\n'));
  t.true(script.includes('type filter hook forward priority filter - 1; policy accept;'));
  t.true(script.includes('  map tcp_any { type inet_service : ipv4_addr . inet_service; }'));
  // Published ports from other networks come before the isolation drops.
  t.true(script.indexOf('oifname "br-0123456789ab" ct status dnat accept') < script.indexOf('iifgroup 0xbe2 drop'));
});

test('an internal network has no masquerade, no DNAT accept and drops everything leaving its bridge', (t) => {
  const script = networkTableScript({ id, bridge: 'br-x', subnet: '10.1.0.0/24', internal: true });
  t.false(script.includes('ip saddr 10.1.0.0/24 oifname != "br-x" masquerade'));
  t.false(script.includes('ct status dnat accept'));
  t.true(script.includes('    iifname "br-x" drop\n    oifname "br-x" drop\n'));
});

test('port forwards become map elements, keyed by port alone for 0.0.0.0 and by address . port otherwise', (t) => {
  const forwards = [
    { protocol: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.1.0.2', containerPort: 80 },
    { protocol: 'udp' as const, hostIp: '127.0.0.1', hostPort: 5353, containerIp: '10.1.0.2', containerPort: 53 },
  ];
  t.is(
    portForwardScript(id, forwards, 'add'),
    'add element inet berth-0123456789ab tcp_any { 8080 : 10.1.0.2 . 80 }\nadd element inet berth-0123456789ab udp_addr { 127.0.0.1 . 5353 : 10.1.0.2 . 53 }\n',
  );
  t.is(portForwardScript(id, forwards.slice(0, 1), 'delete'), 'delete element inet berth-0123456789ab tcp_any { 8080 }\n');
  t.is(portForwardScript(id, [], 'add'), '');
});

test('FORWARD accept rules name the bridge and carry a berth comment', (t) => {
  t.is(tableName(id), 'berth-0123456789ab');
  t.deepEqual(hostForwardAcceptRules({ id, bridge: 'br-a', subnet: '10.1.0.0/24', internal: false }), [
    ['FORWARD', '-i', 'br-a', '-m', 'comment', '--comment', 'berth:0123456789ab', '-j', 'ACCEPT'],
    ['FORWARD', '-o', 'br-a', '-m', 'comment', '--comment', 'berth:0123456789ab', '-j', 'ACCEPT'],
  ]);
});
