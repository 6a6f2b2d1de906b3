// Reads a DNS query off the wire (RFC 1035 header and question, RFC 6891 OPT), refusing hostile packets.

export const RecordType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const RecordClass = { IN: 1, ANY: 255 } as const;
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export const HEADER_SIZE = 12;
/** The largest name on the wire, length bytes and the root label included (RFC 1035 §3.1). */
export const MAX_NAME_WIRE_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;
/** UDP payload without EDNS (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;

export interface DnsQuery {
  id: number;
  /** Header flags of the query as sent (QR clear). */
  flags: number;
  /** Lowercased, dots between labels, no trailing dot; `''` is the root. A dot inside a label is kept as `\.`. */
  name: string;
  type: number;
  qclass: number;
  /** Offset just past the question: bytes [12, questionEnd) are copied into the answer. */
  questionEnd: number;
  /** The client's advertised UDP payload size from its OPT record, or undefined without EDNS. */
  ednsUdpSize: number | undefined;
}

/** Why a packet is not a query we answer; `formerr`/`notimp` get that rcode back, `drop` gets nothing. */
export type QueryProblem = 'drop' | 'formerr' | 'notimp';

export type ParsedQuery = { ok: true; query: DnsQuery } | { ok: false; problem: QueryProblem; id: number; flags: number };

const QR = 0x8000;
const OPCODE_MASK = 0x7800;

/** Parse one DNS query message. Never throws: every malformation becomes a `problem`. */
export function parseQuery(packet: Uint8Array): ParsedQuery {
  // Too short for a header: there is no id to answer to.
  if (packet.length < HEADER_SIZE) return { ok: false, problem: 'drop', id: 0, flags: 0 };
  const id = (packet[0]! << 8) | packet[1]!;
  const flags = (packet[2]! << 8) | packet[3]!;
  // A response sent to us (or reflected at us): answering could start a loop.
  if (flags & QR) return { ok: false, problem: 'drop', id, flags };
  if ((flags & OPCODE_MASK) !== 0) return { ok: false, problem: 'notimp', id, flags };
  const qdcount = (packet[4]! << 8) | packet[5]!;
  const ancount = (packet[6]! << 8) | packet[7]!;
  const nscount = (packet[8]! << 8) | packet[9]!;
  const arcount = (packet[10]! << 8) | packet[11]!;
  if (qdcount !== 1) return { ok: false, problem: 'formerr', id, flags };

  const decoded = readName(packet, HEADER_SIZE);
  if (decoded === undefined) return { ok: false, problem: 'formerr', id, flags };
  let offset = decoded.end;
  if (offset + 4 > packet.length) return { ok: false, problem: 'formerr', id, flags };
  const type = (packet[offset]! << 8) | packet[offset + 1]!;
  const qclass = (packet[offset + 2]! << 8) | packet[offset + 3]!;
  offset += 4;
  const questionEnd = offset;

  // Queries carry no answers or authority, but skip any so the OPT in the additional section is found.
  let ednsUdpSize: number | undefined;
  const records = ancount + nscount + arcount;
  for (let index = 0; index < records; index++) {
    const nameEnd = skipName(packet, offset);
    if (nameEnd === undefined || nameEnd + 10 > packet.length) return { ok: false, problem: 'formerr', id, flags };
    const rrType = (packet[nameEnd]! << 8) | packet[nameEnd + 1]!;
    const rrClass = (packet[nameEnd + 2]! << 8) | packet[nameEnd + 3]!;
    const rdLength = (packet[nameEnd + 8]! << 8) | packet[nameEnd + 9]!;
    const next = nameEnd + 10 + rdLength;
    if (next > packet.length) return { ok: false, problem: 'formerr', id, flags };
    if (rrType === RecordType.OPT) {
      // One OPT, owned by the root, in the additional section (RFC 6891 §6.1.1).
      const isAdditional = index >= ancount + nscount;
      if (!isAdditional || ednsUdpSize !== undefined || nameEnd !== offset + 1) {
        return { ok: false, problem: 'formerr', id, flags };
      }
      ednsUdpSize = Math.max(rrClass, CLASSIC_UDP_SIZE);
    }
    offset = next;
  }
  return { ok: true, query: { id, flags, name: decoded.name, type, qclass, questionEnd, ednsUdpSize } };
}

/**
 * Decode the name at `start`, following compression pointers. Each pointer must land strictly
 * before the previous jump target (or the name's start) and after the header, so a loop cannot
 * exist; labels are ≤ 63 bytes and the whole name ≤ 255. Returns undefined for anything else.
 */
export function readName(packet: Uint8Array, start: number): { name: string; end: number } | undefined {
  let position = start;
  let limit = start;
  let end: number | undefined;
  let wireLength = 1;
  let name = '';
  for (;;) {
    if (position >= packet.length) return undefined;
    const length = packet[position]!;
    if (length === 0) {
      return { name, end: end ?? position + 1 };
    }
    const kind = length & 0xc0;
    if (kind === 0xc0) {
      if (position + 1 >= packet.length) return undefined;
      const target = ((length & 0x3f) << 8) | packet[position + 1]!;
      if (target >= limit || target < HEADER_SIZE) return undefined;
      end ??= position + 2;
      limit = target;
      position = target;
      continue;
    }
    // 0x40 and 0x80 are extended label types (RFC 6891 retired them): refuse.
    if (kind !== 0) return undefined;
    wireLength += length + 1;
    if (wireLength > MAX_NAME_WIRE_LENGTH) return undefined;
    const labelEnd = position + 1 + length;
    if (labelEnd > packet.length) return undefined;
    if (name.length > 0) name += '.';
    name += decodeLabel(packet, position + 1, labelEnd);
    position = labelEnd;
  }
}

/** Offset past the name at `start` without decoding it; same safety rules as `readName`. */
function skipName(packet: Uint8Array, start: number): number | undefined {
  let position = start;
  let wireLength = 1;
  for (;;) {
    if (position >= packet.length) return undefined;
    const length = packet[position]!;
    if (length === 0) return position + 1;
    const kind = length & 0xc0;
    if (kind === 0xc0) {
      // Where a pointer leads does not matter for skipping, only that it is in the packet.
      if (position + 1 >= packet.length) return undefined;
      const target = ((length & 0x3f) << 8) | packet[position + 1]!;
      return target >= HEADER_SIZE && target < packet.length ? position + 2 : undefined;
    }
    if (kind !== 0) return undefined;
    wireLength += length + 1;
    if (wireLength > MAX_NAME_WIRE_LENGTH) return undefined;
    position += length + 1;
  }
}

/** One label as lowercase text; bytes outside printable ASCII and dots are escaped so they never match a record. */
function decodeLabel(packet: Uint8Array, from: number, to: number): string {
  let label = '';
  for (let index = from; index < to; index++) {
    let byte = packet[index]!;
    if (byte >= 0x41 && byte <= 0x5a) byte += 0x20;
    if (byte === 0x2e || byte === 0x5c) label += `\\${String.fromCharCode(byte)}`;
    else if (byte > 0x20 && byte < 0x7f) label += String.fromCharCode(byte);
    else label += `\\${byte.toString().padStart(3, '0')}`;
  }
  return label;
}

/** Encode a dotted name (no escapes) as wire labels; throws on an empty or too-long label. */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length === 0 || bytes.length > MAX_LABEL_LENGTH) throw new RangeError(`bad DNS label in ${name}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > MAX_NAME_WIRE_LENGTH) throw new RangeError(`DNS name longer than 255 bytes: ${name}`);
  return wire;
}
