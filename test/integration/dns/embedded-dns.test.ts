import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import test from 'ava';
import { Rcode, RecordType } from '../../../src/network/dns/dns-wire.js';
import { encodeQuery } from '../../unit/dns/dns-test-codec.js';
import { ask, dig, sendRawUdp, sprayUdp, startTestDns } from './dns-test-network.js';

// Each test has its own 127.53.<n>.0/24: the server on .1, "containers" on other host numbers.

test('A for a service with 3 replicas returns all three, in varying order, over UDP and to dig', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'front', address: '127.53.1.1', port: 0 });
  for (let replica = 1; replica <= 3; replica++) {
    await dns.addEndpoint({ network: 'front', containerId: `web${replica}`, ip: `127.53.1.${10 + replica}`, names: [`p-web-${replica}`, 'web'] });
  }
  const orders = new Set<string>();
  for (let round = 0; round < 20; round++) {
    const response = await ask('127.53.1.1', port, { name: 'web', type: RecordType.A, id: round }, { from: '127.53.1.11' });
    t.is(response.id, round);
    const addresses = response.answers.map((answer) => answer.data);
    t.deepEqual([...addresses].sort(), ['127.53.1.11', '127.53.1.12', '127.53.1.13']);
    orders.add(addresses.join(','));
  }
  t.true(orders.size > 1);
  const short = await dig('127.53.1.1', port, ['-b', '127.53.1.12', 'WEB.', '+short']);
  t.deepEqual(short.trim().split('\n').sort(), ['127.53.1.11', '127.53.1.12', '127.53.1.13']);
  t.regex(await dig('127.53.1.1', port, ['-b', '127.53.1.12', '-x', '127.53.1.13', '+short']), /^p-web-3\.$/m);
});

test('a client on network B cannot resolve A’s names; one on both networks resolves both', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const portA = await dns.serveNetwork({ network: 'a', address: '127.53.2.1', port: 0 });
  const portB = await dns.serveNetwork({ network: 'b', address: '127.53.3.1', port: 0 });
  await dns.addEndpoint({ network: 'a', containerId: 'alpha', ip: '127.53.2.10', names: ['alpha'] });
  await dns.addEndpoint({ network: 'b', containerId: 'beta', ip: '127.53.3.10', names: ['beta'] });
  await dns.addEndpoint({ network: 'a', containerId: 'both', ip: '127.53.2.20', names: ['both'] });
  await dns.addEndpoint({ network: 'b', containerId: 'both', ip: '127.53.3.20', names: ['both'] });

  const fromBeta = await ask('127.53.3.1', portB, { name: 'alpha', type: RecordType.A }, { from: '127.53.3.10' });
  t.like(fromBeta, { rcode: Rcode.NXDOMAIN });
  t.is(fromBeta.answers.length, 0);
  // Asking A's server does not help B's container either.
  t.like(await ask('127.53.2.1', portA, { name: 'alpha', type: RecordType.A }, { from: '127.53.3.10' }), { rcode: Rcode.NXDOMAIN });
  const fromBoth = await ask('127.53.2.1', portA, { name: 'beta', type: RecordType.A }, { from: '127.53.2.20' });
  t.deepEqual(fromBoth.answers.map((answer) => answer.data), ['127.53.3.10']);
  const alphaFromBoth = await ask('127.53.2.1', portA, { name: 'alpha', type: RecordType.A }, { from: '127.53.2.20' });
  t.deepEqual(alphaFromBoth.answers.map((answer) => answer.data), ['127.53.2.10']);
});

test('a removed endpoint stops resolving as soon as removeEndpoint resolves', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.4.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'asker', ip: '127.53.4.5', names: ['asker'] });
  await dns.addEndpoint({ network: 'n', containerId: 'gone', ip: '127.53.4.6', names: ['gone'] });
  t.is((await ask('127.53.4.1', port, { name: 'gone', type: RecordType.A }, { from: '127.53.4.5' })).answers.length, 1);
  // No grace period, no cache: the very next query after the call misses.
  await dns.removeEndpoint({ network: 'n', containerId: 'gone' });
  const after = await ask('127.53.4.1', port, { name: 'gone', type: RecordType.A }, { from: '127.53.4.5' });
  t.like(after, { rcode: Rcode.NXDOMAIN });
  t.is(after.answers.length, 0);
});

test('AAAA for a v4-only name is NOERROR with no answers', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.5.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'c', ip: '127.53.5.5', names: ['four'] });
  const response = await ask('127.53.5.1', port, { name: 'four', type: RecordType.AAAA }, { from: '127.53.5.5' });
  t.like(response, { rcode: Rcode.NOERROR, tc: false });
  t.is(response.answers.length, 0);
  t.regex(await dig('127.53.5.1', port, ['-b', '127.53.5.5', 'four', 'AAAA']), /status: NOERROR.*\n.*ANSWER: 0/);
});

test('60 replicas: UDP without EDNS gets TC and no answers; TCP and dig (retrying over TCP) get all 60', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.6.1', port: 0 });
  for (let replica = 0; replica < 60; replica++) {
    await dns.addEndpoint({ network: 'n', containerId: `r${replica}`, ip: `127.53.6.${100 + replica}`, names: ['many'] });
  }
  const udp = await ask('127.53.6.1', port, { name: 'many', type: RecordType.A }, { from: '127.53.6.100' });
  t.like(udp, { tc: true, rcode: Rcode.NOERROR });
  t.is(udp.answers.length, 0);
  const tcp = await ask('127.53.6.1', port, { name: 'many', type: RecordType.A }, { from: '127.53.6.100', transport: 'tcp' });
  t.is(new Set(tcp.answers.map((answer) => answer.data)).size, 60);
  const truncated = await dig('127.53.6.1', port, ['-b', '127.53.6.100', '+noedns', '+ignore', 'many']);
  t.regex(truncated, /flags: qr aa tc rd ra/);
  const viaTcp = await dig('127.53.6.1', port, ['-b', '127.53.6.100', '+noedns', 'many', '+short']);
  t.is(viaTcp.trim().split('\n').length, 60);
});

test('malformed packets get FORMERR or nothing, and the server keeps answering', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.7.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'c', ip: '127.53.7.5', names: ['alive'] });
  const loop = Buffer.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]);
  const formerr = await sendRawUdp('127.53.7.1', port, loop, '127.53.7.5');
  t.truthy(formerr);
  t.is(formerr?.readUInt16BE(0), 0xabcd);
  t.is((formerr?.readUInt16BE(2) ?? 0) & 0x800f, 0x8001);
  t.is(await sendRawUdp('127.53.7.1', port, Buffer.from([1, 2, 3]), '127.53.7.5', 300), undefined);
  const valid = encodeQuery({ name: 'alive', type: RecordType.A });
  const packets = Array.from({ length: 2000 }, (_, round) => {
    if (round % 2 === 0) return valid.subarray(0, round % valid.length);
    const junk = Buffer.alloc(Math.floor(Math.random() * 64));
    for (let index = 0; index < junk.length; index++) junk[index] = Math.floor(Math.random() * 256);
    return junk;
  });
  // In bursts, with a real question after each: the kernel may drop a burst's tail when the socket
  // buffer is full, so the question is retried as a resolver would.
  for (let burst = 0; burst < 2000; burst += 250) {
    await sprayUdp('127.53.7.1', port, packets.slice(burst, burst + 250), '127.53.7.5');
    const response = await askWithRetry('127.53.7.1', port, 'alive', '127.53.7.5');
    t.deepEqual(response.answers.map((answer) => answer.data), ['127.53.7.5']);
  }
});

async function askWithRetry(server: string, port: number, name: string, from: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask(server, port, { name, type: RecordType.A }, { from, timeoutMs: 1000 });
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

test('the worker answers while the engine’s event loop is blocked', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.8.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'c', ip: '127.53.8.5', names: ['busy'] });
  const child = spawn('dig', ['@127.53.8.1', '-p', String(port), '-b', '127.53.8.5', '+tries=1', '+time=3', 'busy']);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise((resolve) => child.on('close', resolve));
  const until = performance.now() + 700;
  while (performance.now() < until) {
    // The main thread is busy; only the worker can answer dig now.
  }
  await closed;
  t.regex(output, /busy\.\s+\d+\s+IN\s+A\s+127\.53\.8\.5/);
  const queryTime = Number(/Query time: (\d+) msec/.exec(output)?.[1] ?? Number.NaN);
  t.true(queryTime < 300, `dig waited ${queryTime} ms`);
});

test('serving a second time on a taken address fails with a SystemError naming it', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.9.1', port: 0 });
  const error = await t.throwsAsync(dns.serveNetwork({ network: 'm', address: '127.53.9.1', port }));
  t.regex(error?.message ?? '', /127\.53\.9\.1/);
  await dns.stopServingNetwork('n');
  t.is(await dns.serveNetwork({ network: 'm', address: '127.53.9.1', port }), port);
});

test('a crashed worker is restarted with every server and record, on the same port', async (t) => {
  const errors: Error[] = [];
  const dns = await startTestDns(t, { upstreams: [], onError: (error) => errors.push(error) });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.10.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'c', ip: '127.53.10.5', names: ['phoenix'] });
  await dns.crashWorkerForTest();
  await dns.addEndpoint({ network: 'n', containerId: 'd', ip: '127.53.10.6', names: ['phoenix'] });
  const response = await ask('127.53.10.1', port, { name: 'phoenix', type: RecordType.A }, { from: '127.53.10.5' });
  t.deepEqual(response.answers.map((answer) => answer.data).sort(), ['127.53.10.5', '127.53.10.6']);
  t.is(errors.length, 1);
  t.regex(errors[0]?.message ?? '', /DNS worker exited/);
});

test('TCP: two queries in one write get two answers; a response sent as a query closes the connection', async (t) => {
  const dns = await startTestDns(t, { upstreams: [] });
  const port = await dns.serveNetwork({ network: 'n', address: '127.53.11.1', port: 0 });
  await dns.addEndpoint({ network: 'n', containerId: 'c', ip: '127.53.11.5', names: ['one', 'two'] });
  const frame = (packet: Buffer) => Buffer.concat([Buffer.from([packet.length >> 8, packet.length & 0xff]), packet]);
  const socket = connect({ host: '127.53.11.1', port, localAddress: '127.53.11.5' });
  t.teardown(() => socket.destroy());
  const answers: number[] = [];
  let received = Buffer.alloc(0);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
      answers.push(received.readUInt16BE(2));
      received = received.subarray(2 + received.readUInt16BE(0));
    }
    if (answers.length === 2) {
      const response = encodeQuery({ id: 3, name: 'one', type: RecordType.A });
      response[2] = 0x81;
      socket.write(frame(response));
    }
  });
  socket.write(Buffer.concat([frame(encodeQuery({ id: 1, name: 'one', type: RecordType.A })), frame(encodeQuery({ id: 2, name: 'two', type: RecordType.A }))]));
  await closed;
  t.deepEqual(answers.sort(), [1, 2]);
});
