// A streaming tar reader (ustar, pax, GNU long names) for untrusted layers: bounded sizes and entry counts.
import { Buffer } from 'node:buffer';
import { UserError } from '../errors.js';

export type TarEntryKind = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarEntry {
  /** The name as the archive gives it (pax `path` or GNU long name applied), not yet made safe. */
  readonly name: string;
  readonly kind: TarEntryKind;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** Seconds since the epoch, with a fraction when a pax header gives one. */
  readonly mtime: number;
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** Extended attributes from pax `SCHILY.xattr.*` records. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
}

export interface TarLimits {
  /** Largest sum of file sizes a layer may declare (a gzip bomb stops here). */
  maxUnpackedBytes: number;
  /** Most entries (headers) a layer may have. */
  maxEntries: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxUnpackedBytes: 32 * 1024 ** 3, maxEntries: 1_000_000 };

/** A layer that is not a well-formed tar, or is beyond the limits. */
export class LayerFormatError extends UserError {}

const BLOCK = 512;
const MAX_META_BYTES = 1024 * 1024;
const KIND: Record<string, TarEntryKind> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
};

/** Reads exact byte counts from an async stream of chunks without copying where it can. */
export class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private position = 0;
  private readonly iterator: AsyncIterator<Uint8Array>;
  /** Every byte taken from the source so far. */
  consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** False at a clean end of the source. */
  private async fill(): Promise<boolean> {
    while (this.position >= this.chunk.length) {
      const next = await this.iterator.next();
      if (next.done) return false;
      const value = next.value;
      this.chunk = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      this.position = 0;
      this.consumed += this.chunk.length;
    }
    return true;
  }

  /** Exactly `length` bytes, or undefined when the source ends before the first byte. */
  async read(length: number): Promise<Buffer | undefined> {
    if (!(await this.fill())) return undefined;
    if (this.chunk.length - this.position >= length) {
      const out = this.chunk.subarray(this.position, this.position + length);
      this.position += length;
      return out;
    }
    const parts: Buffer[] = [];
    let missing = length;
    while (missing > 0) {
      if (!(await this.fill())) throw new LayerFormatError('layer tar is truncated: the data ends inside an entry');
      const take = Math.min(missing, this.chunk.length - this.position);
      parts.push(this.chunk.subarray(this.position, this.position + take));
      this.position += take;
      missing -= take;
    }
    return Buffer.concat(parts, length);
  }

  /** `length` bytes as they arrive, in pieces of the source's chunks. */
  async *pieces(length: number): AsyncGenerator<Buffer> {
    let missing = length;
    while (missing > 0) {
      if (!(await this.fill())) throw new LayerFormatError('layer tar is truncated: the data ends inside an entry');
      const take = Math.min(missing, this.chunk.length - this.position);
      const piece = this.chunk.subarray(this.position, this.position + take);
      this.position += take;
      missing -= take;
      yield piece;
    }
  }

  async skip(length: number): Promise<void> {
    for await (const piece of this.pieces(length)) void piece;
  }

  /** Read to the end of the source (so a digest over it is complete), refusing more than `limit` bytes. */
  async drain(limit: number): Promise<void> {
    let extra = this.chunk.length - this.position;
    this.position = this.chunk.length;
    while (await this.fill()) {
      extra += this.chunk.length;
      this.position = this.chunk.length;
      if (extra > limit) throw new LayerFormatError(`layer tar has more than ${limit} bytes after its end marker`);
    }
  }
}

/**
 * The entries of a tar stream. After `next()` returns an entry, `data()` gives its bytes; whatever is
 * not read is skipped by the following `next()`.
 */
export class TarReader {
  private entries = 0;
  private declared = 0;
  private globalPax = new Map<string, string>();
  /** Data bytes of the current entry not yet read, and the padding after them. */
  private unread = 0;
  private pad = 0;
  readonly bytes: ByteReader;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly limits: TarLimits = DEFAULT_TAR_LIMITS,
  ) {
    this.bytes = new ByteReader(source);
  }

  /** The data of the current entry, in pieces as they arrive. */
  async *data(): AsyncGenerator<Buffer> {
    for await (const piece of this.bytes.pieces(this.unread)) {
      this.unread -= piece.length;
      yield piece;
    }
  }

  /** The next entry, or undefined after the end-of-archive marker (the rest of the stream is read). */
  async next(): Promise<TarEntry | undefined> {
    await this.bytes.skip(this.unread + this.pad);
    this.unread = 0;
    this.pad = 0;
    let pax: Map<string, string> | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await this.bytes.read(BLOCK);
      if (!block) throw new LayerFormatError('layer tar is truncated: no end-of-archive marker');
      if (isZeroBlock(block)) {
        await this.bytes.drain(Math.max(this.limits.maxUnpackedBytes - this.declared, 0) + 20 * BLOCK);
        return undefined;
      }
      this.entries += 1;
      if (this.entries > this.limits.maxEntries) {
        throw new LayerFormatError(`layer has more than ${this.limits.maxEntries} entries (the limit)`, {
          hint: 'raise the maximum number of layer entries if this image is trusted',
        });
      }
      verifyChecksum(block);
      const typeflag = String.fromCharCode(block[156] ?? 0);
      const headerSize = parseNumber(block, 124, 12, 'size');
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (headerSize > MAX_META_BYTES) throw new LayerFormatError(`layer has a ${headerSize}-byte metadata header (limit ${MAX_META_BYTES})`);
        const body = headerSize === 0 ? Buffer.alloc(0) : await this.bytes.read(headerSize);
        if (!body) throw new LayerFormatError('layer tar is truncated: the data ends inside an entry');
        await this.bytes.skip(padding(headerSize));
        if (typeflag === 'x') pax = new Map([...(pax ?? []), ...parsePax(body)]);
        else if (typeflag === 'g') this.globalPax = new Map([...this.globalPax, ...parsePax(body)]);
        else if (typeflag === 'L') longName = cString(body, 0, body.length);
        else longLink = cString(body, 0, body.length);
        continue;
      }
      const kind = KIND[typeflag];
      if (kind === undefined) {
        const what = typeflag === 'S' ? 'a sparse file' : `an entry of tar type "${typeflag}"`;
        throw new LayerFormatError(`layer contains ${what}, which berth does not unpack`);
      }
      const records = this.globalPax.size === 0 ? (pax ?? EMPTY) : new Map([...this.globalPax, ...(pax ?? [])]);
      const size = kind === 'file' ? (paxNumber(records, 'size') ?? headerSize) : 0;
      this.declared += size;
      if (this.declared > this.limits.maxUnpackedBytes) {
        throw new LayerFormatError(`layer unpacks to more than ${this.limits.maxUnpackedBytes} bytes (the limit)`, {
          hint: 'raise the maximum unpacked layer size if this image is trusted',
        });
      }
      this.unread = size;
      this.pad = padding(size);
      return {
        name: records.get('path') ?? longName ?? ustarName(block),
        kind,
        mode: parseNumber(block, 100, 8, 'mode') & 0o7777,
        uid: paxNumber(records, 'uid') ?? parseNumber(block, 108, 8, 'uid'),
        gid: paxNumber(records, 'gid') ?? parseNumber(block, 116, 8, 'gid'),
        size,
        mtime: paxNumber(records, 'mtime', true) ?? parseNumber(block, 136, 12, 'mtime'),
        linkname: records.get('linkpath') ?? longLink ?? cString(block, 157, 100),
        devmajor: kind === 'char' || kind === 'block' ? parseNumber(block, 329, 8, 'devmajor') : 0,
        devminor: kind === 'char' || kind === 'block' ? parseNumber(block, 337, 8, 'devminor') : 0,
        xattrs: records.size === 0 ? NO_XATTRS : xattrsOf(records),
      };
    }
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();
const NO_XATTRS: ReadonlyMap<string, Buffer> = new Map();

function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 1) if (block[i] !== 0) return false;
  return true;
}

function verifyChecksum(block: Buffer): void {
  const stored = parseNumber(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed) throw new LayerFormatError('layer is not a valid tar: a header checksum does not match');
}

function cString(buffer: Buffer, offset: number, length: number): string {
  const end = buffer.indexOf(0, offset);
  return buffer.toString('utf8', offset, end < 0 || end > offset + length ? offset + length : end);
}

function ustarName(block: Buffer): string {
  const name = cString(block, 0, 100);
  // Only POSIX ustar ("ustar\0" + "00") has a prefix; GNU keeps access times in that space.
  const posix = block.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = posix ? cString(block, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function parseNumber(block: Buffer, offset: number, length: number, field: string): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian binary after the marker bit; negative values are refused.
    if (first & 0x40) throw new LayerFormatError(`layer has a negative ${field} in a tar header`);
    let value = first & 0x3f;
    for (let i = 1; i < length; i += 1) value = value * 256 + (block[offset + i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new LayerFormatError(`layer declares a ${field} too large to handle`);
    return value;
  }
  const text = block.toString('latin1', offset, offset + length).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new LayerFormatError(`layer is not a valid tar: the ${field} field is "${text}"`);
  return Number.parseInt(text, 8);
}

function parsePax(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    const length = Number.parseInt(body.toString('latin1', offset, space), 10);
    if (space < 0 || !Number.isSafeInteger(length) || length <= 0 || offset + length > body.length) {
      throw new LayerFormatError('layer is not a valid tar: a pax header record is malformed');
    }
    const record = body.subarray(space + 1, offset + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals < 0) throw new LayerFormatError('layer is not a valid tar: a pax record has no "="');
    const key = record.toString('utf8', 0, equals);
    // xattr values are bytes: keep them as latin1 so they round-trip to a Buffer.
    records.set(key, record.toString(key.startsWith('SCHILY.xattr.') ? 'latin1' : 'utf8', equals + 1));
    offset += length;
  }
  return records;
}

function paxNumber(records: ReadonlyMap<string, string>, key: string, fraction = false): number | undefined {
  const text = records.get(key);
  if (text === undefined) return undefined;
  const pattern = fraction ? /^-?\d+(\.\d+)?$/ : /^\d+$/;
  const value = Number(text);
  if (!pattern.test(text) || !Number.isSafeInteger(Math.trunc(value))) {
    throw new LayerFormatError(`layer has a pax ${key} of "${text.slice(0, 40)}", not a usable number`);
  }
  return value;
}

function xattrsOf(records: ReadonlyMap<string, string>): Map<string, Buffer> {
  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of records) {
    if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(value, 'latin1'));
  }
  return xattrs;
}
