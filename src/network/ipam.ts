// IPAM decisions without I/O: pick a network's subnet and gateway, hand out and check container addresses.
import { UserError, ValueError } from '../errors.js';
import type { IpamPool } from '../spec/model.js';
import {
  type Ipv4Prefix,
  formatIpv4,
  formatPrefix,
  lastAddress,
  looksLikeIpv6,
  parseIpv4,
  parsePrefix,
  prefixContains,
  prefixesOverlap,
} from './ipv4.js';

/** A network's address plan as recorded: text, so records stay readable. */
export interface NetworkAddressing {
  subnet: string;
  gateway: string;
  /** Where container addresses come from (the whole subnet when absent). */
  ipRange?: string;
  /** Addresses reserved by name (`aux_addresses`), never handed out. */
  auxAddresses: Record<string, string>;
}

/** Docker's default pools: 172.17–31.0.0/16, then 192.168.0.0/16 in /20 steps. */
export function* defaultSubnetCandidates(): Generator<Ipv4Prefix> {
  for (let second = 17; second <= 31; second++) yield { network: parseIpv4(`172.${second}.0.0`), length: 16 };
  for (let third = 0; third < 256; third += 16) yield { network: parseIpv4(`192.168.${third}.0`), length: 20 };
}

/**
 * The subnet of a new network: the first pool of `ipam.config` when given (it may not overlap another berth network),
 * else the first default candidate that overlaps neither a berth network nor a route of the host.
 */
export function planAddressing(
  pools: readonly IpamPool[] | undefined,
  held: readonly Ipv4Prefix[],
  hostRoutes: readonly Ipv4Prefix[],
  keyPath: string,
): NetworkAddressing {
  const pool = pools?.[0];
  if (pools && pools.length > 1) {
    throw new UserError(`expected one IPv4 pool, found ${pools.length}`, {
      keyPath: `${keyPath}.ipam.config`,
      hint: 'berth networks carry one IPv4 subnet',
    });
  }
  if (pool?.subnet === undefined) {
    if (pool && (pool.gateway || pool.ip_range || pool.aux_addresses)) {
      throw new UserError('expected a subnet beside gateway, ip_range or aux_addresses', {
        keyPath: `${keyPath}.ipam.config[0]`,
        hint: 'add "subnet: 10.x.y.0/24"',
      });
    }
    const subnet = automaticSubnet(held, hostRoutes, keyPath);
    return { subnet: formatPrefix(subnet), gateway: formatIpv4(subnet.network + 1), auxAddresses: {} };
  }
  const poolPath = `${keyPath}.ipam.config[0]`;
  const subnet = parseV4Prefix(pool.subnet, `${poolPath}.subnet`);
  if (subnet.length > 30) {
    throw new UserError(`subnet ${pool.subnet} is too small: expected a prefix of /30 or shorter`, { keyPath: `${poolPath}.subnet` });
  }
  const clash = held.find((other) => prefixesOverlap(other, subnet));
  if (clash) {
    throw new UserError(`subnet ${pool.subnet} overlaps ${formatPrefix(clash)} of another berth network`, {
      keyPath: `${poolPath}.subnet`,
      hint: 'choose a subnet that no other network uses, or leave ipam out to get a free one',
    });
  }
  const gateway = pool.gateway === undefined ? subnet.network + 1 : parseV4Address(pool.gateway, `${poolPath}.gateway`);
  requireUsable(subnet, gateway, pool.gateway ?? formatIpv4(gateway), `${poolPath}.gateway`);
  const addressing: NetworkAddressing = { subnet: formatPrefix(subnet), gateway: formatIpv4(gateway), auxAddresses: {} };
  if (pool.ip_range !== undefined) {
    const range = parseV4Prefix(pool.ip_range, `${poolPath}.ip_range`);
    if (range.network < subnet.network || lastAddress(range) > lastAddress(subnet)) {
      throw new UserError(`ip_range ${pool.ip_range} is not inside subnet ${pool.subnet}`, { keyPath: `${poolPath}.ip_range` });
    }
    addressing.ipRange = formatPrefix(range);
  }
  for (const [name, text] of Object.entries(pool.aux_addresses ?? {})) {
    const address = parseV4Address(text, `${poolPath}.aux_addresses.${name}`);
    requireUsable(subnet, address, text, `${poolPath}.aux_addresses.${name}`);
    addressing.auxAddresses[name] = formatIpv4(address);
  }
  return addressing;
}

function automaticSubnet(held: readonly Ipv4Prefix[], hostRoutes: readonly Ipv4Prefix[], keyPath: string): Ipv4Prefix {
  // The default route (/0) overlaps everything; Docker ignores it too.
  const busy = [...held, ...hostRoutes.filter((route) => route.length > 0)];
  for (const candidate of defaultSubnetCandidates()) {
    if (!busy.some((other) => prefixesOverlap(other, candidate))) return candidate;
  }
  throw new UserError('all default address pools are in use (172.17–31.0.0/16, 192.168.0.0/16)', {
    keyPath,
    hint: 'remove unused networks (berth network prune) or give this network an ipam subnet',
  });
}

/**
 * The address for a container: `requested` (checked) or the lowest free one of the range. `taken` holds addresses
 * already handed out; the network address, broadcast, gateway and aux addresses are never given.
 */
export function allocateAddress(
  addressing: NetworkAddressing,
  taken: ReadonlySet<string>,
  requested: string | undefined,
  keyPath: string,
): string {
  const subnet = parsePrefix(addressing.subnet);
  const reserved = new Set<string>([addressing.gateway, ...Object.values(addressing.auxAddresses), ...taken]);
  if (requested !== undefined) {
    const address = parseV4Address(requested, keyPath);
    requireUsable(subnet, address, requested, keyPath);
    const text = formatIpv4(address);
    if (reserved.has(text)) {
      const what = text === addressing.gateway ? 'the gateway' : taken.has(text) ? 'already in use' : 'an aux address';
      throw new UserError(`address ${requested} is ${what === 'already in use' ? what : `reserved as ${what}`} on subnet ${addressing.subnet}`, {
        keyPath,
        hint: 'choose another ipv4_address, or leave it out to get a free one',
      });
    }
    return text;
  }
  const range = addressing.ipRange ? parsePrefix(addressing.ipRange) : subnet;
  const first = Math.max(range.network, subnet.network + 1);
  const last = Math.min(lastAddress(range), lastAddress(subnet) - 1);
  for (let address = first; address <= last; address++) {
    const text = formatIpv4(address);
    if (!reserved.has(text)) return text;
  }
  throw new UserError(`no free address left in ${addressing.ipRange ?? addressing.subnet}`, {
    keyPath,
    hint: 'use a larger subnet or ip_range, or remove containers from this network',
  });
}

function requireUsable(subnet: Ipv4Prefix, address: number, text: string, keyPath: string): void {
  if (!prefixContains(subnet, address)) {
    throw new UserError(`address ${text} is outside subnet ${formatPrefix(subnet)}`, {
      keyPath,
      hint: `choose an address between ${formatIpv4(subnet.network + 1)} and ${formatIpv4(lastAddress(subnet) - 1)}`,
    });
  }
  if (address === subnet.network || address === lastAddress(subnet)) {
    throw new UserError(`address ${text} is the network or broadcast address of ${formatPrefix(subnet)}`, { keyPath });
  }
}

function parseV4Prefix(text: string, keyPath: string): Ipv4Prefix {
  if (looksLikeIpv6(text)) {
    throw new UserError(`expected an IPv4 subnet, found the IPv6 subnet ${text}`, {
      keyPath,
      hint: 'berth networks are IPv4 only; use a subnet like 10.1.0.0/24',
    });
  }
  return fromValueError(() => parsePrefix(text), keyPath);
}

function parseV4Address(text: string, keyPath: string): number {
  if (looksLikeIpv6(text)) {
    throw new UserError(`expected an IPv4 address, found the IPv6 address ${text}`, { keyPath, hint: 'berth networks are IPv4 only' });
  }
  return fromValueError(() => parseIpv4(text), keyPath);
}

function fromValueError<T>(parse: () => T, keyPath: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { keyPath, hint: error.hint });
    throw error;
  }
}
