import test from 'ava';
import { RecordType } from '../../../src/network/dns/dns-wire.js';
import { type Asker, RecordTable, type Resolution } from '../../../src/network/dns/record-table.js';

function addresses(resolution: Resolution): string[] {
  if (!resolution.found) return ['<not found>'];
  return resolution.answers.map((answer) => (answer.data.length === 4 ? [...answer.data].join('.') : answer.data.toString('hex')));
}

function stack(): RecordTable {
  const table = new RecordTable();
  for (let replica = 1; replica <= 3; replica++) {
    table.addEndpoint({ network: 'front', containerId: `web${replica}`, ip: `10.1.0.${replica + 1}`, names: [`p-web-${replica}`, 'web', `webhost${replica}`] });
  }
  table.addEndpoint({ network: 'back', containerId: 'db1', ip: '10.2.0.2', names: ['p-db-1', 'db', 'database'] });
  table.addEndpoint({ network: 'front', containerId: 'api1', ip: '10.1.0.9', names: ['p-api-1', 'api'] });
  table.addEndpoint({ network: 'back', containerId: 'api1', ip: '10.2.0.9', names: ['p-api-1', 'api'] });
  return table;
}

test('a service name answers every replica, in an order that varies between answers', (t) => {
  const table = stack();
  const asker = table.asker('10.1.0.9', 'front');
  const orders = new Set<string>();
  for (let round = 0; round < 50; round++) {
    const answer = addresses(table.resolve(asker, 'web', RecordType.A));
    t.deepEqual([...answer].sort(), ['10.1.0.2', '10.1.0.3', '10.1.0.4']);
    orders.add(answer.join(','));
  }
  t.true(orders.size > 1, 'the replica order should change between answers');
});

test('container names, hostnames and aliases resolve; names match case-insensitively and with a trailing dot', (t) => {
  const table = stack();
  const asker = table.asker('10.1.0.9', 'front');
  t.deepEqual(addresses(table.resolve(asker, 'p-web-2', RecordType.A)), ['10.1.0.3']);
  t.deepEqual(addresses(table.resolve(asker, 'webhost3', RecordType.A)), ['10.1.0.4']);
  t.deepEqual(addresses(table.resolve(asker, 'database', RecordType.A)), ['10.2.0.2']);
  const mixed = new RecordTable();
  mixed.addEndpoint({ network: 'n', containerId: 'c', ip: '10.9.0.2', names: ['Web.Local.'] });
  t.deepEqual(addresses(mixed.resolve(mixed.asker('10.9.0.2', 'n'), 'web.local', RecordType.A)), ['10.9.0.2']);
});

test('a container sees only the names of its own networks', (t) => {
  const table = stack();
  const onFront = table.asker('10.1.0.2', 'front');
  const onBack = table.asker('10.2.0.2', 'back');
  t.deepEqual(addresses(table.resolve(onFront, 'db', RecordType.A)), ['<not found>']);
  t.deepEqual(addresses(table.resolve(onBack, 'web', RecordType.A)), ['<not found>']);
  // Asking another network's server does not widen the view: the asker is who it is.
  t.deepEqual(addresses(table.resolve(table.asker('10.2.0.2', 'front'), 'web', RecordType.A)), ['<not found>']);
});

test('a container on two networks sees both, and a name on both answers from its first network', (t) => {
  const table = stack();
  const api = table.asker('10.2.0.9', 'back');
  t.deepEqual(api.networks, ['front', 'back']);
  t.is(addresses(table.resolve(api, 'web', RecordType.A)).length, 3);
  t.deepEqual(addresses(table.resolve(api, 'db', RecordType.A)), ['10.2.0.2']);
  const db = table.asker('10.2.0.2', 'back');
  t.deepEqual(addresses(table.resolve(db, 'api', RecordType.A)), ['10.2.0.9']);
});

test('an unknown source address sees only the network whose server it asked', (t) => {
  const table = stack();
  const host = table.asker('192.0.2.50', 'back');
  t.deepEqual(host.networks, ['back']);
  t.deepEqual(addresses(table.resolve(host, 'db', RecordType.A)), ['10.2.0.2']);
  t.deepEqual(addresses(table.resolve(host, 'web', RecordType.A)), ['<not found>']);
});

test('AAAA for a v4-only name is found with no answers; ANY returns both families', (t) => {
  const table = new RecordTable();
  table.addEndpoint({ network: 'n', containerId: 'a', ip: '10.3.0.2', names: ['four'] });
  table.addEndpoint({ network: 'n', containerId: 'b', ip: '10.3.0.3', ipv6: 'fd00::3', names: ['dual'] });
  const asker = table.asker('10.3.0.2', 'n');
  t.deepEqual(table.resolve(asker, 'four', RecordType.AAAA), { found: true, answers: [] });
  t.deepEqual(addresses(table.resolve(asker, 'dual', RecordType.AAAA)), ['fd000000000000000000000000000003']);
  t.is(addresses(table.resolve(asker, 'dual', RecordType.ANY)).length, 2);
  t.deepEqual(table.resolve(asker, 'four', RecordType.MX), { found: true, answers: [] });
  // An IPv6 source identifies its container too, however the address is written.
  t.deepEqual(table.asker('fd00:0::3', 'n').networks, ['n']);
});

test('a reverse lookup of a container address answers its first name, within scope only', (t) => {
  const table = stack();
  const front = table.asker('10.1.0.2', 'front');
  const ptr = table.resolve(front, '3.0.1.10.in-addr.arpa', RecordType.PTR);
  t.true(ptr.found && ptr.answers[0]?.data.equals(Buffer.from('\u0007p-web-2\u0000', 'latin1')));
  t.false(table.resolve(front, '2.0.2.10.in-addr.arpa', RecordType.PTR).found);
});

test('links aliases resolve only for the container that declared them', (t) => {
  const table = stack();
  table.addEndpoint({ network: 'back', containerId: 'worker1', ip: '10.2.0.20', names: ['worker'], links: { store: 'db' } });
  t.deepEqual(addresses(table.resolve(table.asker('10.2.0.20', 'back'), 'store', RecordType.A)), ['10.2.0.2']);
  t.false(table.resolve(table.asker('10.2.0.9', 'back'), 'store', RecordType.A).found);
});

test('a name under the asker’s dns_search domain matches without it', (t) => {
  const table = stack();
  table.addEndpoint({ network: 'back', containerId: 'worker1', ip: '10.2.0.20', names: ['worker'], searchDomains: ['corp.example.'] });
  const asker = table.asker('10.2.0.20', 'back');
  t.deepEqual(addresses(table.resolve(asker, 'db.corp.example', RecordType.A)), ['10.2.0.2']);
  t.false(table.resolve(asker, 'db.other.example', RecordType.A).found);
  t.false(table.resolve(table.asker('10.2.0.9', 'back'), 'db.corp.example', RecordType.A).found);
});

test('removing an endpoint removes its names at once, leaving the other replicas', (t) => {
  const table = stack();
  const asker: Asker = table.asker('10.1.0.9', 'front');
  table.removeEndpoint({ network: 'front', containerId: 'web2' });
  t.deepEqual(addresses(table.resolve(asker, 'web', RecordType.A)).sort(), ['10.1.0.2', '10.1.0.4']);
  t.false(table.resolve(asker, 'p-web-2', RecordType.A).found);
  t.false(table.resolve(asker, '3.0.1.10.in-addr.arpa', RecordType.PTR).found);
  table.removeEndpoint({ network: 'front', containerId: 'web2' }); // twice is fine
  table.removeNetwork('front');
  t.false(table.resolve(table.asker('10.1.0.2', 'front'), 'web', RecordType.A).found);
});

test('adding an endpoint again replaces its address and names', (t) => {
  const table = new RecordTable();
  table.addEndpoint({ network: 'n', containerId: 'c', ip: '10.4.0.2', names: ['old'] });
  table.addEndpoint({ network: 'n', containerId: 'c', ip: '10.4.0.3', names: ['new'] });
  const asker = table.asker('10.4.0.3', 'n');
  t.false(table.resolve(asker, 'old', RecordType.A).found);
  t.deepEqual(addresses(table.resolve(asker, 'new', RecordType.A)), ['10.4.0.3']);
  t.is(table.asker('10.4.0.2', 'n').links, undefined);
});

test('a container’s own dns: servers are its upstreams', (t) => {
  const table = new RecordTable();
  table.addEndpoint({ network: 'n', containerId: 'c', ip: '10.5.0.2', names: ['c'], upstreams: ['127.0.0.1:5353'] });
  t.deepEqual(table.asker('10.5.0.2', 'n').upstreams, ['127.0.0.1:5353']);
  t.throws(() => table.addEndpoint({ network: 'n', containerId: 'd', ip: '10.5.0', names: [] }), { instanceOf: RangeError });
});
