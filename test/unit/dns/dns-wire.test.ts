import test from 'ava';
import { encodeName, parseQuery, readName, RecordType } from '../../../src/network/dns/dns-wire.js';
import { encodeQuery } from './dns-test-codec.js';

function header(fields: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number } = {}): Buffer {
  const buffer = Buffer.alloc(12);
  buffer.writeUInt16BE(fields.id ?? 7, 0);
  buffer.writeUInt16BE(fields.flags ?? 0x0100, 2);
  buffer.writeUInt16BE(fields.qd ?? 1, 4);
  buffer.writeUInt16BE(fields.an ?? 0, 6);
  buffer.writeUInt16BE(fields.ns ?? 0, 8);
  buffer.writeUInt16BE(fields.ar ?? 0, 10);
  return buffer;
}

const typeA = Buffer.from([0, 1, 0, 1]);

test('a plain A query is read: id, lowercased name without trailing dot, type, class, question end', (t) => {
  const parsed = parseQuery(encodeQuery({ id: 0xbeef, name: 'Web.Example.', type: RecordType.A }));
  if (!parsed.ok) return t.fail(parsed.problem);
  t.like(parsed.query, { id: 0xbeef, name: 'web.example', type: 1, qclass: 1, questionEnd: 12 + 13 + 4, ednsUdpSize: undefined });
});

test('the EDNS0 OPT record gives the client UDP size, never below 512', (t) => {
  const big = parseQuery(encodeQuery({ name: 'a', type: 1, ednsUdpSize: 4096 }));
  const tiny = parseQuery(encodeQuery({ name: 'a', type: 1, ednsUdpSize: 100 }));
  t.is(big.ok && big.query.ednsUdpSize, 4096);
  t.is(tiny.ok && tiny.query.ednsUdpSize, 512);
});

test('the root name parses as the empty string', (t) => {
  const parsed = parseQuery(Buffer.concat([header(), Buffer.from([0]), typeA]));
  t.is(parsed.ok && parsed.query.name, '');
});

test('a compression pointer in the question (it could only point into the header or loop) is FORMERR', (t) => {
  const self = Buffer.concat([header(), Buffer.from([0xc0, 12]), typeA]);
  const intoHeader = Buffer.concat([header(), Buffer.from([0xc0, 2]), typeA]);
  const labelThenBack = Buffer.concat([header(), Buffer.from([1, 0x61, 0xc0, 12]), typeA]);
  for (const packet of [self, intoHeader, labelThenBack]) t.like(parseQuery(packet), { ok: false, problem: 'formerr', id: 7 });
});

test('pointer loops and out-of-bounds pointers in later records are refused, not followed', (t) => {
  const question = Buffer.concat([Buffer.from([1, 0x61, 0]), typeA]);
  // An additional record whose name points past the end of the packet.
  const outOfBounds = Buffer.concat([header({ ar: 1 }), question, Buffer.from([0xc0, 0xff]), Buffer.alloc(10)]);
  t.like(parseQuery(outOfBounds), { ok: false, problem: 'formerr' });
  // A record whose name ends in a pointer to itself is skipped safely (skipping never follows pointers).
  const selfPointer = Buffer.concat([header({ ar: 1 }), question, Buffer.from([0xc0, 19]), Buffer.from([0, 1, 0, 1, 0, 0, 0, 0, 0, 0])]);
  t.true(parseQuery(selfPointer).ok);
});

test('readName follows backward pointers and refuses a two-pointer loop', (t) => {
  // at 12: "a" → pointer to 16; at 16: "b" → pointer to 12 (a loop through two names).
  const loop = Buffer.concat([header(), Buffer.from([1, 0x61, 0xc0, 16, 1, 0x62, 0xc0, 12])]);
  t.is(readName(loop, 16), undefined);
  // at 12: "b" end; at 15: "c" → pointer to 12.
  const chain = Buffer.concat([header(), Buffer.from([1, 0x62, 0, 1, 0x63, 0xc0, 12])]);
  t.deepEqual(readName(chain, 15), { name: 'c.b', end: 19 });
  t.is(readName(chain, 40), undefined);
});

test('labels longer than 63 bytes (length bytes 0x40–0xbf are other label kinds) are FORMERR', (t) => {
  const label63 = Buffer.concat([header(), Buffer.from([63]), Buffer.alloc(63, 0x61), Buffer.from([0]), typeA]);
  const label64 = Buffer.concat([header(), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0]), typeA]);
  t.true(parseQuery(label63).ok);
  t.like(parseQuery(label64), { ok: false, problem: 'formerr' });
});

test('a name of 255 wire bytes is accepted and one of 257 is FORMERR', (t) => {
  const labels = (count: number, last: number) =>
    Buffer.concat([...Array.from({ length: count }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x62)])), Buffer.from([last]), Buffer.alloc(last, 0x63), Buffer.from([0])]);
  const max = labels(3, 61); // 3·64 + 62 + 1 = 255
  const over = labels(3, 63); // 257
  t.is(max.length, 255);
  t.true(parseQuery(Buffer.concat([header(), max, typeA])).ok);
  t.like(parseQuery(Buffer.concat([header(), over, typeA])), { ok: false, problem: 'formerr' });
});

test('responses are dropped, other opcodes are NOTIMP, a question count other than 1 is FORMERR', (t) => {
  const question = Buffer.concat([Buffer.from([1, 0x61, 0]), typeA]);
  t.like(parseQuery(Buffer.concat([header({ flags: 0x8100 }), question])), { ok: false, problem: 'drop' });
  t.like(parseQuery(Buffer.concat([header({ flags: 0x2800 }), question])), { ok: false, problem: 'notimp' });
  t.like(parseQuery(Buffer.concat([header({ qd: 0 })])), { ok: false, problem: 'formerr' });
  t.like(parseQuery(Buffer.concat([header({ qd: 2 }), question, question])), { ok: false, problem: 'formerr' });
});

test('two OPT records, or an OPT owned by a non-root name, are FORMERR', (t) => {
  const question = Buffer.concat([Buffer.from([1, 0x61, 0]), typeA]);
  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
  const namedOpt = Buffer.concat([Buffer.from([1, 0x61]), opt]);
  t.like(parseQuery(Buffer.concat([header({ ar: 2 }), question, opt, opt])), { ok: false, problem: 'formerr' });
  t.like(parseQuery(Buffer.concat([header({ ar: 1 }), question, namedOpt])), { ok: false, problem: 'formerr' });
});

test('every truncation of a valid query is refused without throwing', (t) => {
  const packet = encodeQuery({ name: 'service.project.example', type: RecordType.AAAA, ednsUdpSize: 1232 });
  for (let length = 0; length < packet.length; length++) {
    const parsed = parseQuery(packet.subarray(0, length));
    t.false(parsed.ok, `length ${length}`);
  }
  t.true(parseQuery(packet).ok);
});

test('random packets never throw and never yield a name over 255 bytes or a label over 63', (t) => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  let accepted = 0;
  for (let round = 0; round < 20_000; round++) {
    const packet = Buffer.alloc(random() % 80);
    for (let index = 0; index < packet.length; index++) packet[index] = random() & 0xff;
    // Make many of them look like plausible queries, so the name and record paths are exercised.
    if (packet.length >= 12 && round % 2 === 0) {
      packet.writeUInt16BE(0x0100, 2);
      packet.writeUInt16BE(1, 4);
    }
    const parsed = parseQuery(packet);
    if (parsed.ok) {
      accepted++;
      t.true(parsed.query.questionEnd <= packet.length);
      for (const label of parsed.query.name.split('.')) t.true(label.replace(/\\(\d{3}|.)/g, 'x').length <= 63);
    }
  }
  t.true(accepted > 0, 'some random packets should parse');
});

test('bytes outside printable ASCII and dots inside a label are escaped, so they cannot match a record', (t) => {
  const name = Buffer.from([3, 0x77, 0x2e, 0x62, 2, 0x00, 0x41, 0]);
  const parsed = parseQuery(Buffer.concat([header(), name, typeA]));
  t.is(parsed.ok && parsed.query.name, 'w\\.b.\\000a');
});

test('encodeName writes labels and refuses a label over 63 bytes', (t) => {
  t.deepEqual([...encodeName('ab.c.')], [2, 0x61, 0x62, 1, 0x63, 0]);
  t.deepEqual([...encodeName('')], [0]);
  t.throws(() => encodeName(`${'x'.repeat(64)}.y`), { instanceOf: RangeError });
});
