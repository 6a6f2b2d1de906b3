import test from 'ava';
import { type AnswerSettings, answerQuery, type QueryOutcome, upstreamFailure } from '../../../src/network/dns/answer-query.js';
import { ResponseBufferRing } from '../../../src/network/dns/dns-response.js';
import { parseQuery, Rcode, RecordType } from '../../../src/network/dns/dns-wire.js';
import { RecordTable } from '../../../src/network/dns/record-table.js';
import { type DecodedResponse, decodeResponse, encodeQuery } from './dns-test-codec.js';

const settings: AnswerSettings = { network: 'n', upstreams: [], ttl: 10 };
const withUpstream: AnswerSettings = { ...settings, upstreams: [{ host: '127.0.0.1', port: 5353 }] };

function table(replicas = 3): RecordTable {
  const records = new RecordTable();
  for (let index = 0; index < replicas; index++) {
    records.addEndpoint({ network: 'n', containerId: `c${index}`, ip: `10.0.${index >> 8}.${(index & 0xff) + 2}`, names: ['svc'] });
  }
  return records;
}

function decode(outcome: QueryOutcome): DecodedResponse {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got ${outcome.kind}`);
  return decodeResponse(outcome.buffer.subarray(0, outcome.length));
}

test('a local name is answered from the table with the question echoed, AA and RA set', (t) => {
  const query = encodeQuery({ id: 77, name: 'SVC', type: RecordType.A });
  const response = decode(answerQuery(table(), query, '10.0.0.2', 'udp', settings, new ResponseBufferRing()));
  t.like(response, { id: 77, qr: true, aa: true, ra: true, rd: true, tc: false, rcode: Rcode.NOERROR });
  t.deepEqual(response.questions, [{ name: 'SVC', type: RecordType.A }]);
  t.deepEqual(response.answers.map((answer) => answer.data).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  t.true(response.answers.every((answer) => answer.name === 'SVC' && answer.ttl === 10));
});

test('an unknown name is forwarded when there are upstreams and NXDOMAIN without them', (t) => {
  const query = encodeQuery({ name: 'elsewhere.example', type: RecordType.A });
  t.like(answerQuery(table(), query, '10.0.0.2', 'udp', withUpstream, new ResponseBufferRing()), { kind: 'forward' });
  t.like(decode(answerQuery(table(), query, '10.0.0.2', 'udp', settings, new ResponseBufferRing())), { rcode: Rcode.NXDOMAIN, aa: false });
});

test('an answer over the client’s UDP size is sent empty with TC; over TCP or with EDNS it is whole', (t) => {
  const records = table(60); // 60 × 16 bytes of answers: over 512
  const ring = new ResponseBufferRing();
  const plain = decode(answerQuery(records, encodeQuery({ name: 'svc', type: RecordType.A }), '10.0.0.2', 'udp', settings, ring));
  t.like(plain, { tc: true, rcode: Rcode.NOERROR });
  t.is(plain.answers.length, 0);
  const edns = decode(answerQuery(records, encodeQuery({ name: 'svc', type: RecordType.A, ednsUdpSize: 1232 }), '10.0.0.2', 'udp', settings, ring));
  t.like(edns, { tc: false });
  t.is(edns.answers.length, 60);
  t.deepEqual(edns.additional.map((record) => record.type), [RecordType.OPT]);
  const tcp = decode(answerQuery(records, encodeQuery({ name: 'svc', type: RecordType.A }), '10.0.0.2', 'tcp', settings, ring));
  t.is(tcp.answers.length, 60);
});

test('malformed packets get FORMERR with their id, responses get nothing', (t) => {
  const ring = new ResponseBufferRing();
  const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0]);
  t.like(decode(answerQuery(table(), garbage, '10.0.0.2', 'udp', settings, ring)), { id: 0x1234, rcode: Rcode.FORMERR, qr: true });
  const response = encodeQuery({ name: 'svc', type: 1 });
  response[2] = 0x81;
  t.like(answerQuery(table(), response, '10.0.0.2', 'udp', settings, ring), { kind: 'drop' });
});

test('the SERVFAIL for a dead upstream echoes the question', (t) => {
  const packet = encodeQuery({ id: 9, name: 'away.example', type: RecordType.A });
  const parsed = parseQuery(packet);
  if (!parsed.ok) return t.fail();
  const response = decode(upstreamFailure(packet, parsed.query, 'udp', settings, new ResponseBufferRing()));
  t.like(response, { id: 9, rcode: Rcode.SERVFAIL });
  t.deepEqual(response.questions, [{ name: 'away.example', type: RecordType.A }]);
});

test('random and truncated packets never throw out of answerQuery', (t) => {
  const records = table(5);
  const ring = new ResponseBufferRing(8, 512);
  const valid = encodeQuery({ name: 'svc', type: RecordType.ANY, ednsUdpSize: 4096 });
  for (let length = 0; length <= valid.length; length++) {
    t.notThrows(() => answerQuery(records, valid.subarray(0, length), '10.0.0.2', 'udp', withUpstream, ring));
  }
  for (let round = 0; round < 20_000; round++) {
    const packet = Buffer.alloc(Math.floor(Math.random() * 100));
    for (let index = 0; index < packet.length; index++) packet[index] = Math.floor(Math.random() * 256);
    if (packet.length >= 12 && round % 2 === 0) packet.writeUInt32BE(0x01000001, 2);
    const outcome = answerQuery(records, packet, '10.0.0.2', round % 3 === 0 ? 'tcp' : 'udp', withUpstream, ring);
    if (outcome.kind === 'reply') outcome.release();
  }
  t.pass();
});

test('the response ring hands out a fresh buffer while the next slot is still being sent', (t) => {
  const ring = new ResponseBufferRing(2, 512);
  const first = ring.acquire(100);
  const second = ring.acquire(100);
  const third = ring.acquire(100); // slot 0 still busy
  t.not(third.buffer, first.buffer);
  t.not(third.buffer, second.buffer);
  first.release();
  t.is(ring.acquire(100).buffer, first.buffer);
  t.true(ring.acquire(600).buffer.length >= 600);
});
