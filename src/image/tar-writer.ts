// Tar headers in ustar form, with a pax extended header when a name, link or number does not fit.
import { Buffer } from 'node:buffer';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeaderFields {
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (default 0o644, 0o755 for directories). */
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Bytes of data that follow (regular files only). */
  size?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

const TYPE_FLAG: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
};

export const TAR_BLOCK = 512;

/** The header block(s) of one entry: a pax header first when a field does not fit ustar. */
export function tarHeader(fields: TarHeaderFields): Buffer {
  const pax: Record<string, string> = {};
  const size = fields.type === 'file' ? (fields.size ?? 0) : 0;
  const numeric = { uid: fields.uid ?? 0, gid: fields.gid ?? 0, size, mtime: Math.floor(fields.mtime ?? 0) };
  for (const [key, value] of Object.entries(numeric)) {
    const limit = key === 'size' || key === 'mtime' ? 0o77777777777 : 0o7777777;
    if (value > limit) pax[key] = String(value);
  }
  let { name } = fields;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const split = splitUstarName(name);
    if (split) [prefix, name] = split;
    else {
      pax['path'] = fields.name;
      name = fields.name.slice(0, 99);
    }
  }
  const linkname = fields.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) pax['linkpath'] = linkname;
  const block = ustarBlock({ ...fields, name, linkname: pax['linkpath'] ? '' : linkname, prefix, numeric });
  if (Object.keys(pax).length === 0) return block;
  const body = Buffer.from(Object.entries(pax).map(([key, value]) => paxRecord(key, value)).join(''));
  const paxHeader = ustarBlock({
    name: `PaxHeaders/${fields.name.replace(/[^A-Za-z0-9._/-]/g, '_').slice(-80)}`,
    type: 'file',
    typeFlag: 'x',
    linkname: '',
    prefix: '',
    numeric: { uid: 0, gid: 0, size: body.length, mtime: 0 },
  });
  return Buffer.concat([paxHeader, body, tarPadding(body.length), block]);
}

/** Zero bytes that fill the last block of `size` bytes of data. */
export function tarPadding(size: number): Buffer {
  const rest = size % TAR_BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : TAR_BLOCK - rest);
}

/** The two zero blocks that end an archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(TAR_BLOCK * 2);
}

function paxRecord(key: string, value: string): string {
  // The length prefix counts itself: grow it until it is stable.
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest) + 1;
  while (String(length).length + Buffer.byteLength(rest) !== length) length = String(length).length + Buffer.byteLength(rest);
  return `${length}${rest}`;
}

function splitUstarName(name: string): [string, string] | undefined {
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

interface UstarFields extends Omit<TarHeaderFields, 'size' | 'uid' | 'gid' | 'mtime'> {
  typeFlag?: string;
  linkname: string;
  prefix: string;
  numeric: { uid: number; gid: number; size: number; mtime: number };
}

function ustarBlock(fields: UstarFields): Buffer {
  const block = Buffer.alloc(TAR_BLOCK);
  const mode = fields.mode ?? (fields.type === 'directory' ? 0o755 : 0o644);
  block.write(fields.name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, mode & 0o7777);
  writeOctal(block, 108, 8, Math.min(fields.numeric.uid, 0o7777777));
  writeOctal(block, 116, 8, Math.min(fields.numeric.gid, 0o7777777));
  writeOctal(block, 124, 12, Math.min(fields.numeric.size, 0o77777777777));
  writeOctal(block, 136, 12, Math.min(Math.max(fields.numeric.mtime, 0), 0o77777777777));
  block.write('        ', 148, 8, 'latin1');
  block.write(fields.typeFlag ?? TYPE_FLAG[fields.type], 156, 1, 'latin1');
  block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write(fields.uname ?? '', 265, 32, 'utf8');
  block.write(fields.gname ?? '', 297, 32, 'utf8');
  writeOctal(block, 329, 8, fields.devmajor ?? 0);
  writeOctal(block, 337, 8, fields.devminor ?? 0);
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  writeOctal(block, 148, 7, sum);
  return block;
}

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, width, 'latin1');
}
