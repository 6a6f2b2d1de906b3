// Decides what one incoming packet gets: a local answer, an error rcode, a forward upstream, or nothing.
import { type AnswerRecord, type ResponseBufferRing, responseSize, writeHeaderOnlyResponse, writeResponse } from './dns-response.js';
import { CLASSIC_UDP_SIZE, type DnsQuery, parseQuery, Rcode, RecordClass } from './dns-wire.js';
import type { RecordTable } from './record-table.js';
import { parseUpstream, type Upstream } from './upstream-forwarder.js';

export interface AnswerSettings {
  /** The network whose gateway this server listens on. */
  network: string;
  /** Where names nobody here knows go; empty means answer NXDOMAIN (an internal network). */
  upstreams: readonly Upstream[];
  /** TTL of local answers: short, so a removed container is not cached for long. */
  ttl: number;
}

export type QueryOutcome =
  | { kind: 'reply'; buffer: Buffer; length: number; release: () => void }
  | { kind: 'forward'; query: DnsQuery; upstreams: readonly Upstream[] }
  | { kind: 'drop' };

const DROP: QueryOutcome = { kind: 'drop' };
const NO_ANSWERS: AnswerRecord[] = [];
/** The largest UDP answer we send whatever the client claims; larger ones go over TCP. */
const MAX_UDP_ANSWER = 4096;
const MAX_TCP_ANSWER = 65535;

/** Handle one packet from `clientAddress`; never throws for any input bytes. */
export function answerQuery(
  table: RecordTable,
  packet: Buffer,
  clientAddress: string,
  transport: 'udp' | 'tcp',
  settings: AnswerSettings,
  ring: ResponseBufferRing,
): QueryOutcome {
  const parsed = parseQuery(packet);
  if (!parsed.ok) {
    if (parsed.problem === 'drop') return DROP;
    const { buffer, release } = ring.acquire(12);
    const rcode = parsed.problem === 'notimp' ? Rcode.NOTIMP : Rcode.FORMERR;
    return { kind: 'reply', buffer, release, length: writeHeaderOnlyResponse(buffer, parsed.id, parsed.flags, rcode) };
  }
  const { query } = parsed;
  const asker = table.asker(clientAddress, settings.network);
  const local = query.qclass === RecordClass.IN || query.qclass === RecordClass.ANY;
  const resolution = local ? table.resolve(asker, query.name, query.type) : { found: false as const };
  if (resolution.found) return reply(packet, query, transport, Rcode.NOERROR, resolution.answers, settings, ring, true);
  const upstreams = asker.upstreams === undefined ? settings.upstreams : parseUpstreams(asker.upstreams);
  if (upstreams.length === 0) return reply(packet, query, transport, Rcode.NXDOMAIN, NO_ANSWERS, settings, ring, false);
  return { kind: 'forward', query, upstreams };
}

/** The SERVFAIL sent when no upstream answered a forwarded query in time. */
export function upstreamFailure(packet: Buffer, query: DnsQuery, transport: 'udp' | 'tcp', settings: AnswerSettings, ring: ResponseBufferRing): QueryOutcome {
  return reply(packet, query, transport, Rcode.SERVFAIL, NO_ANSWERS, settings, ring, false);
}

/** The most bytes a client takes over `transport`: 512 without EDNS, its advertised size with it. */
export function clientMaxSize(query: DnsQuery, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return MAX_TCP_ANSWER;
  return Math.min(query.ednsUdpSize ?? CLASSIC_UDP_SIZE, MAX_UDP_ANSWER);
}

function reply(
  packet: Buffer,
  query: DnsQuery,
  transport: 'udp' | 'tcp',
  rcode: number,
  answers: readonly AnswerRecord[],
  settings: AnswerSettings,
  ring: ResponseBufferRing,
  authoritative: boolean,
): QueryOutcome {
  const maxSize = clientMaxSize(query, transport);
  const { buffer, release } = ring.acquire(Math.min(responseSize(query, answers), Math.max(maxSize, query.questionEnd + 11)));
  const length = writeResponse(buffer, packet, query, rcode, answers, { maxSize, ttl: settings.ttl, authoritative });
  return { kind: 'reply', buffer, length, release };
}

const parsedUpstreams = new WeakMap<readonly string[], Upstream[]>();

function parseUpstreams(texts: readonly string[]): Upstream[] {
  let upstreams = parsedUpstreams.get(texts);
  if (!upstreams) {
    upstreams = texts.map(parseUpstream).filter((upstream): upstream is Upstream => upstream !== undefined);
    parsedUpstreams.set(texts, upstreams);
  }
  return upstreams;
}
