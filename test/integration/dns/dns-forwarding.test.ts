import test from 'ava';
import { Rcode, RecordType } from '../../../src/network/dns/dns-wire.js';
import { ask, dig, startSilentUpstream, startStubUpstream, startTestDns } from './dns-test-network.js';

// Upstreams are stub servers of the test on 127.54.<n>.53; nothing leaves loopback.

test('an unknown name is forwarded to the upstream over UDP, and over TCP for a TCP query', async (t) => {
  const upstream = await startStubUpstream(t, '127.54.1.53', 5300, '198.51.100.77');
  const dns = await startTestDns(t, { upstreams: ['127.54.1.53:5300'] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.54.1.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'c', ip: '127.54.1.5', names: ['local'] });
  const udp = await ask('127.54.1.1', port, { id: 4242, name: 'outside.example', type: RecordType.A }, { from: '127.54.1.5' });
  t.like(udp, { id: 4242, rcode: Rcode.NOERROR });
  t.deepEqual(udp.answers.map((answer) => answer.data), ['198.51.100.77']);
  t.deepEqual(upstream.queries, { udp: 1, tcp: 0 });
  const tcp = await ask('127.54.1.1', port, { id: 4343, name: 'outside.example', type: RecordType.A }, { from: '127.54.1.5', transport: 'tcp' });
  t.like(tcp, { id: 4343 });
  t.deepEqual(tcp.answers.map((answer) => answer.data), ['198.51.100.77']);
  t.deepEqual(upstream.queries, { udp: 1, tcp: 1 });
  // Local names never reach the upstream.
  await ask('127.54.1.1', port, { name: 'local', type: RecordType.A }, { from: '127.54.1.5' });
  t.is(upstream.queries.udp, 1);
  t.regex(await dig('127.54.1.1', port, ['-b', '127.54.1.5', 'other.example', '+short']), /^198\.51\.100\.77$/m);
});

test('a dead upstream (nobody listening) gives SERVFAIL well within 2 s, and the next upstream is tried', async (t) => {
  const dns = await startTestDns(t, { upstreams: ['127.54.2.53:5301'] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.54.2.1', port: 0 });
  const started = performance.now();
  const response = await ask('127.54.2.1', port, { name: 'nowhere.example', type: RecordType.A }, { from: '127.54.2.5' });
  t.like(response, { rcode: Rcode.SERVFAIL });
  t.deepEqual(response.questions, [{ name: 'nowhere.example', type: RecordType.A }]);
  t.true(performance.now() - started < 2000);

  await startStubUpstream(t, '127.54.2.54', 5302, '198.51.100.88');
  const port2 = await dns.serveNetwork({ network: 'm', address: '127.54.3.1', port: 0, upstreams: ['127.54.2.53:5301', '127.54.2.54:5302'] });
  const second = await ask('127.54.3.1', port2, { name: 'x.example', type: RecordType.A }, { from: '127.54.3.5' });
  t.deepEqual(second.answers.map((answer) => answer.data), ['198.51.100.88']);
});

test('an upstream that never answers gives SERVFAIL within 2 s', async (t) => {
  await startSilentUpstream(t, '127.54.4.53', 5303);
  const dns = await startTestDns(t, { upstreams: ['127.54.4.53:5303'], forward: { attemptTimeoutMs: 500, totalTimeoutMs: 1000 } });
  const port = await dns.serveNetwork({ network: 'n', address: '127.54.4.1', port: 0 });
  const started = performance.now();
  const response = await ask('127.54.4.1', port, { name: 'silent.example', type: RecordType.A }, { from: '127.54.4.5', timeoutMs: 3000 });
  const elapsed = performance.now() - started;
  t.like(response, { rcode: Rcode.SERVFAIL });
  t.true(elapsed >= 400 && elapsed < 2000, `took ${Math.round(elapsed)} ms`);
});

test('a container’s own dns: servers take its unknown names instead of the network’s upstream', async (t) => {
  const network = await startStubUpstream(t, '127.54.5.53', 5304, '198.51.100.1');
  const own = await startStubUpstream(t, '127.54.5.54', 5305, '198.51.100.2');
  const dns = await startTestDns(t, { upstreams: ['127.54.5.53:5304'] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.54.5.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'c', ip: '127.54.5.5', names: ['c'], upstreams: ['127.54.5.54:5305'] });
  const response = await ask('127.54.5.1', port, { name: 'away.example', type: RecordType.A }, { from: '127.54.5.5' });
  t.deepEqual(response.answers.map((answer) => answer.data), ['198.51.100.2']);
  t.is(network.queries.udp, 0);
  t.is(own.queries.udp, 1);
});

test('an internal network (no upstreams) answers unknown names NXDOMAIN at once', async (t) => {
  const dns = await startTestDns(t, { upstreams: ['127.54.6.53:5306'] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.54.6.1', port: 0, upstreams: [] });
  const response = await ask('127.54.6.1', port, { name: 'outside.example', type: RecordType.A }, { from: '127.54.6.5' });
  t.like(response, { rcode: Rcode.NXDOMAIN });
});
