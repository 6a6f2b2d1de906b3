// A container's /etc/hosts as text: localhost, its own addresses and names, and extra_hosts.
import { ValueError } from '../../errors.js';

export interface HostsFileInput {
  hostname: string;
  domainname?: string | undefined;
  /** The container's name, also listed on its own lines (Docker lists only the hostname). */
  containerName?: string | undefined;
  /** The container's addresses, first network first; none with `network_mode: none`. */
  addresses: readonly string[];
  /** `extra_hosts` items: `host=ip` (canonical) or `host:ip`; `host-gateway` as the ip means `hostGateway`. */
  extraHosts?: readonly string[] | undefined;
  /** What `host-gateway` stands for: the host's address as the container sees it. */
  hostGateway?: string | undefined;
}

const LOCAL_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::\tip6-localnet',
  'ff00::\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Split an `extra_hosts` item into host and address; throws ValueError for one without an address. */
export function parseExtraHost(item: string, hostGateway?: string): { host: string; address: string } {
  // `=` first: an IPv6 address holds colons, so only `host:ip` with the first colon splits otherwise.
  const separator = item.includes('=') ? item.indexOf('=') : item.indexOf(':');
  const host = item.slice(0, separator).trim();
  let address = item.slice(separator + 1).trim().replace(/^\[(.*)\]$/, '$1');
  if (separator <= 0 || host === '' || address === '') {
    throw new ValueError(`extra_hosts item ${JSON.stringify(item)} is not host=ip`, 'write it as "name=1.2.3.4"');
  }
  if (address === 'host-gateway') {
    if (!hostGateway) throw new ValueError('extra_hosts uses host-gateway but no host gateway address is known', 'give the address instead');
    address = hostGateway;
  }
  return { host, address };
}

/** The text of a container's /etc/hosts. */
export function renderHostsFile(input: HostsFileInput): string {
  const lines = [...LOCAL_LINES];
  for (const item of input.extraHosts ?? []) {
    const { host, address } = parseExtraHost(item, input.hostGateway);
    lines.push(`${address}\t${host}`);
  }
  const names: string[] = [];
  if (input.domainname) names.push(`${input.hostname}.${input.domainname}`);
  names.push(input.hostname);
  if (input.containerName && input.containerName !== input.hostname) names.push(input.containerName);
  for (const address of input.addresses) lines.push(`${address}\t${names.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
