// IP address text ↔ bytes and the reverse-lookup names (in-addr.arpa, ip6.arpa) of addresses.
import { isIPv4, isIPv6 } from 'node:net';

/** Four bytes of a dotted IPv4 address, or undefined when it is not one. */
export function ipv4ToBytes(address: string): Buffer | undefined {
  if (!isIPv4(address)) return undefined;
  return Buffer.from(address.split('.').map(Number));
}

/** Sixteen bytes of an IPv6 address (`::` and a dotted IPv4 tail accepted), or undefined. */
export function ipv6ToBytes(address: string): Buffer | undefined {
  const bare = address.split('%')[0] ?? '';
  if (!isIPv6(bare)) return undefined;
  let text = bare;
  const lastColon = text.lastIndexOf(':');
  const v4Tail = text.slice(lastColon + 1);
  if (v4Tail.includes('.')) {
    // Write a dotted IPv4 tail as the two hex groups it stands for.
    const v4 = ipv4ToBytes(v4Tail);
    if (!v4) return undefined;
    text = `${text.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const known = headGroups.length + restGroups.length;
  const zeros = rest === undefined ? 0 : 8 - known;
  const groups = [...headGroups.map((g) => parseInt(g, 16)), ...Array<number>(zeros).fill(0), ...restGroups.map((g) => parseInt(g, 16))];
  if (groups.length !== 8) return undefined;
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(group, index * 2));
  return bytes;
}

/** A key for an address that does not depend on how it was written: dotted v4, or 32 hex digits for v6. */
export function addressKey(address: string): string | undefined {
  if (isIPv4(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  return ipv6ToBytes(address)?.toString('hex');
}

/** The PTR owner name of an address, lowercase, without the trailing dot. */
export function reverseName(address: string): string | undefined {
  const v4 = ipv4ToBytes(address);
  if (v4) return `${[...v4].reverse().join('.')}.in-addr.arpa`;
  const v6 = ipv6ToBytes(address);
  if (!v6) return undefined;
  return `${[...v6.toString('hex')].reverse().join('.')}.ip6.arpa`;
}
