// `extra_hosts` in either form (list of `host:ip`/`host=ip`, or a map) to compose's canonical map.
//
// As compose-go's HostsList: a list item is cut at its first `=`, else at its first `:` (so
// `host:::1` is host `host`, IP `::1`); the IP part may hold several comma-separated IPs; repeated
// hosts collect their IPs; `[::1]` loses its brackets; a host name may not be empty or hold `:`/`=`.
import { ValueError } from '../../errors.js';

const FORMS_HINT = 'write host=ip or host:ip, e.g. somehost=162.242.195.82 or myhost=[::1]';

export function parseExtraHosts(
  value:
    | readonly (string | number)[]
    | Readonly<Record<string, string | number | null | readonly (string | number)[]>>,
): Record<string, string[]> {
  // A Map, so a host named `__proto__` is a host like any other.
  const hosts = new Map<string, string[]>();
  if (Array.isArray(value)) {
    for (const item of value as readonly (string | number)[]) {
      const text = String(item);
      const cut = cutAt(text, '=') ?? cutAt(text, ':');
      if (!cut) throw new ValueError(`invalid extra host "${text}": no IP address`, FORMS_HINT);
      const ips = cut[1].split(',');
      hosts.set(cut[0], [...(hosts.get(cut[0]) ?? []), ...ips]);
    }
  } else {
    for (const [host, ips] of Object.entries(value as Record<string, unknown>)) {
      if (ips === null || ips === undefined) hosts.set(host, ['']);
      else if (Array.isArray(ips))
        hosts.set(
          host,
          ips.map((ip) => String(ip)),
        );
      else hosts.set(host, [String(ips)]);
    }
  }
  for (const [host, ips] of hosts) {
    if (host === '' || host.includes(':') || host.includes('=')) {
      throw new ValueError(`invalid extra host: bad host name "${host}"`, FORMS_HINT);
    }
    hosts.set(
      host,
      ips.map((ip) => (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip)),
    );
  }
  return Object.fromEntries(hosts);
}

function cutAt(text: string, separator: string): [string, string] | undefined {
  const at = text.indexOf(separator);
  return at === -1 ? undefined : [text.slice(0, at), text.slice(at + 1)];
}
