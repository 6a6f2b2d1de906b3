// The names each network knows (service, container, hostname, aliases) and who may see them.
import { encodeName, RecordType } from './dns-wire.js';
import type { AnswerRecord } from './dns-response.js';
import { addressKey, ipv4ToBytes, ipv6ToBytes, reverseName } from './ip-address.js';

/** One container on one network, as the engine describes it. */
export interface DnsEndpoint {
  network: string;
  containerId: string;
  /** The container's IPv4 address on this network. */
  ip?: string | undefined;
  ipv6?: string | undefined;
  /** Names that resolve to this endpoint on this network; the first answers reverse (PTR) lookups. */
  names: readonly string[];
  /** `links` aliases (alias → linked name), visible only to queries from this container. */
  links?: Readonly<Record<string, string>> | undefined;
  /** `dns_search` domains of this container: a query `name.<domain>` also matches `name`. */
  searchDomains?: readonly string[] | undefined;
  /** The container's own `dns:` servers: its unknown names go there instead of the network's upstreams. */
  upstreams?: readonly string[] | undefined;
}

export interface EndpointKey {
  network: string;
  containerId: string;
}

interface Entry {
  endpoint: DnsEndpoint;
  a: AnswerRecord | undefined;
  aaaa: AnswerRecord | undefined;
  ptr: AnswerRecord | undefined;
  names: string[];
  reverse: string[];
  addressKeys: string[];
  links: Map<string, string>;
}

interface NetworkRecords {
  byName: Map<string, Entry[]>;
  byReverse: Map<string, Entry>;
}

/** Who is asking: the networks whose names it sees (in attachment order) and its own settings. */
export interface Asker {
  networks: readonly string[];
  links: ReadonlyMap<string, string> | undefined;
  searchDomains: readonly string[];
  upstreams: readonly string[] | undefined;
}

export type Resolution = { found: false } | { found: true; answers: AnswerRecord[] };

const NOT_FOUND: Resolution = { found: false };

/** Lowercase, no trailing dot: the form names are stored and compared in. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export class RecordTable {
  private readonly networks = new Map<string, NetworkRecords>();
  private readonly endpoints = new Map<string, Entry>();
  private readonly byAddress = new Map<string, Entry[]>();
  /** Each container's entries in the order its networks were attached. */
  private readonly byContainer = new Map<string, Entry[]>();
  /** Askers by server network and source address; every change to the table clears it. */
  private readonly askers = new Map<string, Asker>();

  /** Add (or replace) an endpoint; its names resolve as soon as this returns. */
  addEndpoint(endpoint: DnsEndpoint): void {
    this.removeEndpoint(endpoint);
    this.askers.clear();
    const a = endpoint.ip === undefined ? undefined : ipv4ToBytes(endpoint.ip);
    const aaaa = endpoint.ipv6 === undefined ? undefined : ipv6ToBytes(endpoint.ipv6);
    if (endpoint.ip !== undefined && !a) throw new RangeError(`not an IPv4 address: ${endpoint.ip}`);
    if (endpoint.ipv6 !== undefined && !aaaa) throw new RangeError(`not an IPv6 address: ${endpoint.ipv6}`);
    const names = [...new Set(endpoint.names.map(canonicalName).filter((name) => name !== ''))];
    // Every name must fit the wire (labels ≤ 63, ≤ 255 bytes); encodeName throws a RangeError otherwise.
    for (const name of names) encodeName(name);
    const ptrName = names[0];
    const addresses = [endpoint.ip, endpoint.ipv6].filter((address): address is string => address !== undefined);
    const entry: Entry = {
      endpoint,
      a: a && { type: RecordType.A, data: a },
      aaaa: aaaa && { type: RecordType.AAAA, data: aaaa },
      ptr: ptrName === undefined ? undefined : { type: RecordType.PTR, data: encodeName(ptrName) },
      names,
      reverse: addresses.map((address) => reverseName(address)!),
      addressKeys: addresses.map((address) => addressKey(address)!),
      links: new Map(Object.entries(endpoint.links ?? {}).map(([alias, target]) => [canonicalName(alias), canonicalName(target)])),
    };
    let records = this.networks.get(endpoint.network);
    if (!records) {
      records = { byName: new Map(), byReverse: new Map() };
      this.networks.set(endpoint.network, records);
    }
    for (const name of names) append(records.byName, name, entry);
    for (const reverse of entry.reverse) records.byReverse.set(reverse, entry);
    for (const key of entry.addressKeys) append(this.byAddress, key, entry);
    append(this.byContainer, endpoint.containerId, entry);
    this.endpoints.set(endpointKey(endpoint), entry);
  }

  /** Remove an endpoint; its names stop resolving as soon as this returns. Unknown keys are ignored. */
  removeEndpoint(key: EndpointKey): void {
    const entry = this.endpoints.get(endpointKey(key));
    if (!entry) return;
    this.askers.clear();
    this.endpoints.delete(endpointKey(key));
    const records = this.networks.get(key.network);
    if (records) {
      for (const name of entry.names) detach(records.byName, name, entry);
      for (const reverse of entry.reverse) if (records.byReverse.get(reverse) === entry) records.byReverse.delete(reverse);
      if (records.byName.size === 0 && records.byReverse.size === 0) this.networks.delete(key.network);
    }
    for (const address of entry.addressKeys) detach(this.byAddress, address, entry);
    detach(this.byContainer, key.containerId, entry);
  }

  /** Forget every endpoint of a network. */
  removeNetwork(network: string): void {
    for (const entry of [...this.endpoints.values()]) {
      if (entry.endpoint.network === network) this.removeEndpoint(entry.endpoint);
    }
  }

  /**
   * Identify the asker by its source address. A container sees every network it is attached to;
   * an address we do not know (the host itself) sees only the network whose server it asked.
   */
  asker(clientAddress: string, serverNetwork: string): Asker {
    const cacheKey = `${serverNetwork}\u0000${clientAddress}`;
    let asker = this.askers.get(cacheKey);
    if (!asker) {
      asker = this.findAsker(clientAddress, serverNetwork);
      // Bounded: a flood of spoofed sources must not grow memory without limit.
      if (this.askers.size >= 4096) this.askers.clear();
      this.askers.set(cacheKey, asker);
    }
    return asker;
  }

  private findAsker(clientAddress: string, serverNetwork: string): Asker {
    const key = addressKey(clientAddress);
    const candidates = key === undefined ? undefined : this.byAddress.get(key);
    const own = candidates?.find((entry) => entry.endpoint.network === serverNetwork) ?? candidates?.[0];
    if (!own) return { networks: [serverNetwork], links: undefined, searchDomains: [], upstreams: undefined };
    const siblings = this.byContainer.get(own.endpoint.containerId) ?? [own];
    return {
      networks: siblings.map((entry) => entry.endpoint.network),
      links: own.links.size > 0 ? own.links : undefined,
      searchDomains: (own.endpoint.searchDomains ?? []).map(canonicalName),
      upstreams: own.endpoint.upstreams,
    };
  }

  /** Answers for `name`/`type` as `asker` sees them; `found: false` means forward it upstream. */
  resolve(asker: Asker, name: string, type: number): Resolution {
    if (type === RecordType.PTR) return this.resolveReverse(asker, name);
    let resolution = this.resolveForward(asker, name, type);
    for (const domain of asker.searchDomains) {
      if (resolution.found) break;
      if (name.length > domain.length + 1 && name.endsWith(`.${domain}`)) {
        resolution = this.resolveForward(asker, name.slice(0, -domain.length - 1), type);
      }
    }
    return resolution;
  }

  private resolveForward(asker: Asker, queried: string, type: number): Resolution {
    const name = asker.links?.get(queried) ?? queried;
    // The first network (in attachment order) that knows the name answers, as Docker does.
    for (const network of asker.networks) {
      const entries = this.networks.get(network)?.byName.get(name);
      if (!entries || entries.length === 0) continue;
      const answers: AnswerRecord[] = [];
      const wantA = type === RecordType.A || type === RecordType.ANY;
      const wantAaaa = type === RecordType.AAAA || type === RecordType.ANY;
      for (const entry of entries) {
        if (wantA && entry.a) answers.push(entry.a);
        if (wantAaaa && entry.aaaa) answers.push(entry.aaaa);
      }
      shuffle(answers);
      return { found: true, answers };
    }
    return NOT_FOUND;
  }

  private resolveReverse(asker: Asker, name: string): Resolution {
    for (const network of asker.networks) {
      const entry = this.networks.get(network)?.byReverse.get(name);
      if (entry?.ptr) return { found: true, answers: [entry.ptr] };
    }
    return NOT_FOUND;
  }
}

function endpointKey(key: EndpointKey): string {
  return `${key.network}\u0000${key.containerId}`;
}

function append<K>(map: Map<K, Entry[]>, key: K, entry: Entry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function detach<K>(map: Map<K, Entry[]>, key: K, entry: Entry): void {
  const list = map.get(key);
  if (!list) return;
  const index = list.indexOf(entry);
  if (index >= 0) list.splice(index, 1);
  if (list.length === 0) map.delete(key);
}

/** Fisher–Yates in place: every replica order equally likely, so load spreads across replicas. */
function shuffle<T>(items: T[]): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    const swap = items[index]!;
    items[index] = items[other]!;
    items[other] = swap;
  }
}
