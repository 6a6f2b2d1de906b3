import test from 'ava';
import { parseUpstream } from '../../../src/network/dns/upstream-forwarder.js';
import { RecordTable } from '../../../src/network/dns/record-table.js';

test('upstreams are ip, ip:port, [ipv6]:port; anything else is refused', (t) => {
  t.deepEqual(parseUpstream('10.0.0.53'), { host: '10.0.0.53', port: 53 });
  t.deepEqual(parseUpstream(' 127.0.0.1:5353 '), { host: '127.0.0.1', port: 5353 });
  t.deepEqual(parseUpstream('fd00::53'), { host: 'fd00::53', port: 53 });
  t.deepEqual(parseUpstream('[fd00::53]:5300'), { host: 'fd00::53', port: 5300 });
  for (const bad of ['dns.example', '10.0.0.1:0', '10.0.0.1:70000', '[x]:53', '']) t.is(parseUpstream(bad), undefined, bad);
});

test('a name that cannot be written on the wire is refused when the endpoint is added', (t) => {
  const table = new RecordTable();
  t.throws(() => table.addEndpoint({ network: 'n', containerId: 'c', ip: '10.0.0.2', names: ['ok', `${'x'.repeat(64)}.example`] }), { instanceOf: RangeError });
  t.throws(() => table.addEndpoint({ network: 'n', containerId: 'c', ip: '10.0.0.2', names: ['a..b'] }), { instanceOf: RangeError });
});
