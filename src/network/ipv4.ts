// IPv4 address and prefix arithmetic on plain numbers: parse, format, contain, overlap.
import { ValueError } from '../errors.js';

/** A prefix such as 10.1.2.0/24; `network` is the first address as an unsigned 32-bit number. */
export interface Ipv4Prefix {
  readonly network: number;
  readonly length: number;
}

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True for text that looks like an IPv6 address (so callers can say "wrong family" instead of "malformed"). */
export function looksLikeIpv6(text: string): boolean {
  return text.includes(':');
}

export function parseIpv4(text: string): number {
  const match = IPV4_PATTERN.exec(text.trim());
  if (!match) throw new ValueError(`expected an IPv4 address like 10.0.0.1, found "${text}"`);
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) throw new ValueError(`expected an IPv4 address like 10.0.0.1, found "${text}"`);
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function ipv4ToBytes(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

/** Parse `a.b.c.d/n`. Host bits must be zero unless `allowHostBits` (then they are cleared). */
export function parsePrefix(text: string, allowHostBits = false): Ipv4Prefix {
  const [address, lengthText, extra] = text.trim().split('/');
  if (address === undefined || lengthText === undefined || extra !== undefined || !/^\d{1,2}$/.test(lengthText)) {
    throw new ValueError(`expected an IPv4 subnet like 10.1.0.0/24, found "${text}"`);
  }
  const length = Number(lengthText);
  if (length > 32) throw new ValueError(`expected a prefix length from 0 to 32, found ${length} in "${text}"`);
  const value = parseIpv4(address);
  const network = (value & prefixMask(length)) >>> 0;
  if (network !== value && !allowHostBits) {
    throw new ValueError(`"${text}" has host bits set`, `did you mean ${formatPrefix({ network, length })}?`);
  }
  return { network, length };
}

export function formatPrefix(prefix: Ipv4Prefix): string {
  return `${formatIpv4(prefix.network)}/${prefix.length}`;
}

export function prefixMask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function prefixSize(prefix: Ipv4Prefix): number {
  return 2 ** (32 - prefix.length);
}

export function lastAddress(prefix: Ipv4Prefix): number {
  return prefix.network + prefixSize(prefix) - 1;
}

export function prefixContains(prefix: Ipv4Prefix, address: number): boolean {
  return address >= prefix.network && address <= lastAddress(prefix);
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}
