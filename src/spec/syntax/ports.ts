// Short port syntax (`[ip:][published:]target[/proto]`, ranges allowed) to compose's long form.
//
// Semantics of go-connections' nat.ParsePortSpec as compose-go uses it: a container range maps
// one-to-one onto an equal host range; a host range with ONE container port stays a range in
// `published` (the engine picks a free port in it); IPv6 host IPs may be bracketed. compose-go then
// sorts the entries by their `port/proto` key AS TEXT (so `10/tcp` comes before `9/tcp`) and gives each
// `mode: ingress` and a lowercase protocol; `published` is text, absent when not given.
import { isIP } from 'node:net';
import { ValueError } from '../../errors.js';
import type { ServicePortConfig } from '../model.js';

const PROTOCOLS = ['tcp', 'udp', 'sctp'];
const FORMS_HINT =
  'use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. 8080:80, 127.0.0.1:5432:5432, 53:53/udp';

export function parsePortSpec(spec: string | number): ServicePortConfig[] {
  const text = String(spec);
  const { hostIp: rawIp, hostPort, containerPart } = splitParts(text);
  const slash = containerPart.indexOf('/');
  const containerPort = slash === -1 ? containerPart : containerPart.slice(0, slash);
  const protocol = (slash === -1 ? '' : containerPart.slice(slash + 1)).toLowerCase() || 'tcp';
  if (containerPort === '') throw invalid(text, 'no container port');
  if (!PROTOCOLS.includes(protocol)) {
    throw new ValueError(
      `invalid port "${text}": unknown protocol "${containerPart.slice(slash + 1)}"`,
      'the protocol is tcp, udp or sctp',
    );
  }

  const hostIp = unbracket(text, rawIp);
  if (hostIp !== '' && (isIP(hostIp) === 0 || hostIp.includes('%'))) {
    throw invalid(text, `"${hostIp}" is not an IP address`);
  }

  const [start, end] = parseRange(text, containerPort, 'container');
  if (start === 0) throw invalid(text, 'container port 0 is not a port', 'a container port is 1 to 65535');
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    [hostStart, hostEnd] = parseRange(text, hostPort, 'host');
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw invalid(
        text,
        `host range ${hostPort} has ${hostEnd - hostStart + 1} ports but container range ${containerPort} has ${end - start + 1}`,
        'give ranges of the same length, or one container port with a host range to pick from',
      );
    }
  }

  const entries: { key: string; port: ServicePortConfig }[] = [];
  const count = end - start + 1;
  for (let i = 0; i < count; i++) {
    let published = '';
    if (hostPort !== '') {
      published = String(hostStart + i);
      if (count === 1 && hostStart !== hostEnd) published += `-${hostEnd}`;
    }
    const port: ServicePortConfig = {
      mode: 'ingress',
      ...(hostIp !== '' ? { host_ip: hostIp } : {}),
      target: start + i,
      ...(published !== '' ? { published } : {}),
      protocol,
    };
    entries.push({ key: `${start + i}/${protocol}`, port });
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return entries.map((entry) => entry.port);
}

/** `a`, `b:a`, `ip:b:a`; with more colons everything before the last two parts is the IP (IPv6). */
function splitParts(text: string): { hostIp: string; hostPort: string; containerPart: string } {
  const parts = text.split(':');
  const n = parts.length;
  if (n === 1) return { hostIp: '', hostPort: '', containerPart: parts[0] ?? '' };
  if (n === 2) return { hostIp: '', hostPort: parts[0] ?? '', containerPart: parts[1] ?? '' };
  return {
    hostIp: parts.slice(0, n - 2).join(':'),
    hostPort: parts[n - 2] ?? '',
    containerPart: parts[n - 1] ?? '',
  };
}

function unbracket(text: string, ip: string): string {
  if (!ip.startsWith('[')) return ip;
  const match = /^\[([^[\]]*)\]$/.exec(ip);
  if (!match)
    throw invalid(text, `"${ip}" is not an IP address`, 'write an IPv6 address in brackets: [::1]:8080:80');
  return match[1] ?? '';
}

/** `80` or `8000-8010`; each port 0–65535 (nat's range), end not below start. */
function parseRange(text: string, range: string, side: 'host' | 'container'): [number, number] {
  const dash = range.indexOf('-');
  const startText = dash === -1 ? range : range.slice(0, dash);
  const endText = dash === -1 ? startText : range.slice(dash + 1);
  const start = parsePortNumber(text, startText, side);
  const end = endText === startText ? start : parsePortNumber(text, endText, side);
  if (end < start) throw invalid(text, `${side} port range ${range} ends before it starts`);
  return [start, end];
}

function parsePortNumber(text: string, port: string, side: 'host' | 'container'): number {
  if (!/^[+-]?\d+$/.test(port)) throw invalid(text, `${side} port "${port}" is not a number`);
  const value = Number(port);
  if (value < 0 || value > 65535) {
    throw invalid(
      text,
      `${side} port ${port} is out of range`,
      'a port is 1 to 65535 (0 for a host port means any)',
    );
  }
  return value;
}

function invalid(text: string, why: string, hint: string = FORMS_HINT): ValueError {
  return new ValueError(`invalid port "${text}": ${why}`, hint);
}
