// Test-side DNS codec, written apart from src/ so tests cross-check the server: query encoder, response decoder.

export interface TestQuery {
  id?: number;
  name: string;
  type: number;
  /** Advertise EDNS0 with this UDP size. */
  ednsUdpSize?: number;
  recursionDesired?: boolean;
}

export interface DecodedRecord {
  name: string;
  type: number;
  ttl: number;
  /** A/AAAA as address text, PTR as a name, anything else as hex. */
  data: string;
}

export interface DecodedResponse {
  id: number;
  rcode: number;
  qr: boolean;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  questions: { name: string; type: number }[];
  answers: DecodedRecord[];
  additional: DecodedRecord[];
}

export function encodeQuery(query: TestQuery): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id ?? 0x1234, 0);
  header.writeUInt16BE(query.recursionDesired === false ? 0 : 0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(query.ednsUdpSize === undefined ? 0 : 1, 10);
  const labels = query.name.replace(/\.$/, '').split('.').filter((label) => label !== '');
  const name = Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])), Buffer.from([0])]);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(query.type, 0);
  question.writeUInt16BE(1, 2);
  const parts = [header, name, question];
  if (query.ednsUdpSize !== undefined) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(query.ednsUdpSize, 3);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

export function decodeResponse(packet: Buffer): DecodedResponse {
  const flags = packet.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((offset) => packet.readUInt16BE(offset));
  let offset = 12;
  const questions: { name: string; type: number }[] = [];
  for (let index = 0; index < counts[0]!; index++) {
    const name = decodeName(packet, offset);
    offset = name.end;
    questions.push({ name: name.name, type: packet.readUInt16BE(offset) });
    offset += 4;
  }
  const readRecords = (count: number): DecodedRecord[] => {
    const records: DecodedRecord[] = [];
    for (let index = 0; index < count; index++) {
      const name = decodeName(packet, offset);
      offset = name.end;
      const type = packet.readUInt16BE(offset);
      const ttl = packet.readUInt32BE(offset + 4);
      const length = packet.readUInt16BE(offset + 8);
      const rdata = packet.subarray(offset + 10, offset + 10 + length);
      let data = rdata.toString('hex');
      if (type === 1) data = [...rdata].join('.');
      else if (type === 28) data = rdata.toString('hex').replace(/(.{4})(?!$)/g, '$1:');
      else if (type === 12) data = decodeName(packet, offset + 10).name;
      records.push({ name: name.name, type, ttl, data });
      offset += 10 + length;
    }
    return records;
  };
  const answers = readRecords(counts[1]!);
  readRecords(counts[2]!);
  const additional = readRecords(counts[3]!);
  return {
    id: packet.readUInt16BE(0),
    rcode: flags & 0xf,
    qr: (flags & 0x8000) !== 0,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    questions,
    answers,
    additional,
  };
}

function decodeName(packet: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let end: number | undefined;
  for (let steps = 0; steps < 300; steps++) {
    const length = packet[offset]!;
    if (length === 0) return { name: labels.join('.'), end: end ?? offset + 1 };
    if ((length & 0xc0) === 0xc0) {
      end ??= offset + 2;
      offset = packet.readUInt16BE(offset) & 0x3fff;
      continue;
    }
    labels.push(packet.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  throw new Error('name loop in a response');
}
