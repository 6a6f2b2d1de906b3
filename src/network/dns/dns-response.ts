// Writes DNS responses into reusable buffers: the query's question copied, answers pointing at its name.
import { type DnsQuery, HEADER_SIZE, RecordClass, RecordType } from './dns-wire.js';

/** One answer record; `data` is the encoded RDATA (4 bytes for A, 16 for AAAA, a wire name for PTR). */
export interface AnswerRecord {
  type: number;
  data: Buffer;
}

export interface ResponseOptions {
  /** The most bytes the client accepts (UDP: 512 or its EDNS size; TCP: 65535). Larger answers are truncated. */
  maxSize: number;
  ttl: number;
  authoritative: boolean;
}

/** What we advertise in our OPT record: a size that avoids IP fragmentation (DNS flag day 2020). */
export const OUR_EDNS_UDP_SIZE = 1232;
const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RA = 0x0080;
const CD = 0x0010;
/** Answer owner name: a compression pointer to the question's name at offset 12. */
const POINTER_TO_QUESTION = 0xc00c;
const OPT_RECORD_SIZE = 11;

/** Bytes a response with these answers needs before any truncation. */
export function responseSize(query: DnsQuery, answers: readonly AnswerRecord[]): number {
  let size = query.questionEnd + (query.ednsUdpSize === undefined ? 0 : OPT_RECORD_SIZE);
  for (const answer of answers) size += 12 + answer.data.length;
  return size;
}

/**
 * Write the response to `query` into `out` (which must hold `responseSize` bytes) and return its
 * length. When the answers do not fit `maxSize`, none are written and TC is set, so the client
 * retries over TCP.
 */
export function writeResponse(
  out: Buffer,
  packet: Uint8Array,
  query: DnsQuery,
  rcode: number,
  answers: readonly AnswerRecord[],
  options: ResponseOptions,
): number {
  const truncated = responseSize(query, answers) > options.maxSize;
  let flags = QR | (query.flags & (RD | CD)) | RA | (rcode & 0xf);
  if (options.authoritative) flags |= AA;
  if (truncated) flags |= TC;
  const written = truncated ? 0 : answers.length;
  const hasOpt = query.ednsUdpSize !== undefined;
  out.writeUInt16BE(query.id, 0);
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(written, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(hasOpt ? 1 : 0, 10);
  out.set(packet.subarray(HEADER_SIZE, query.questionEnd), HEADER_SIZE);
  let offset = query.questionEnd;
  for (let index = 0; index < written; index++) {
    const answer = answers[index]!;
    out.writeUInt16BE(POINTER_TO_QUESTION, offset);
    out.writeUInt16BE(answer.type, offset + 2);
    out.writeUInt16BE(RecordClass.IN, offset + 4);
    out.writeUInt32BE(options.ttl, offset + 6);
    out.writeUInt16BE(answer.data.length, offset + 10);
    out.set(answer.data, offset + 12);
    offset += 12 + answer.data.length;
  }
  if (hasOpt) offset = writeOptRecord(out, offset);
  return offset;
}

/** A header-only response (FORMERR, NOTIMP, ...) for a packet whose question could not be used. */
export function writeHeaderOnlyResponse(out: Buffer, id: number, queryFlags: number, rcode: number): number {
  out.writeUInt16BE(id, 0);
  // Keep the opcode so the client can match the answer; NOTIMP answers an unknown opcode.
  out.writeUInt16BE(QR | (queryFlags & 0x7800) | (queryFlags & RD) | RA | (rcode & 0xf), 2);
  out.fill(0, 4, HEADER_SIZE);
  return HEADER_SIZE;
}

function writeOptRecord(out: Buffer, offset: number): number {
  out[offset] = 0; // root owner
  out.writeUInt16BE(RecordType.OPT, offset + 1);
  out.writeUInt16BE(OUR_EDNS_UDP_SIZE, offset + 3);
  out.writeUInt32BE(0, offset + 5); // extended rcode 0, version 0, no flags
  out.writeUInt16BE(0, offset + 9);
  return offset + OPT_RECORD_SIZE;
}

/** Set an upstream's response to the client's id (forwarding replaces it with our own). */
export function withId(packet: Buffer, id: number): Buffer {
  packet.writeUInt16BE(id, 0);
  return packet;
}

/**
 * A ring of response buffers. `dgram.send` queues a buffer by reference, so a buffer is reused
 * only after its send completed; when the slot ahead is still in flight a fresh buffer is made.
 */
export class ResponseBufferRing {
  private readonly slots: { buffer: Buffer; busy: boolean; release: () => void }[] = [];
  private next = 0;

  constructor(
    readonly slotCount = 256,
    readonly slotSize = 4096,
  ) {
    for (let index = 0; index < slotCount; index++) {
      const slot = { buffer: Buffer.allocUnsafe(slotSize), busy: false, release: () => undefined };
      slot.release = () => {
        slot.busy = false;
      };
      this.slots.push(slot);
    }
  }

  /** A buffer of at least `size` bytes and the callback to call once its send completed. */
  acquire(size: number): { buffer: Buffer; release: () => void } {
    const slot = this.slots[this.next]!;
    if (size > this.slotSize || slot.busy) return { buffer: Buffer.allocUnsafe(Math.max(size, 512)), release: noop };
    this.next = (this.next + 1) % this.slotCount;
    slot.busy = true;
    return slot;
  }
}

function noop(): void {}
