// A container's network side: its sandbox (netns, veths, published ports), its DNS names and its /etc files.
import { readFile, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeContainerDnsFiles } from '../network/dns/container-dns-files.js';
import { renderHostsFile } from '../network/dns/hosts-file.js';
import type { DnsEndpoint } from '../network/dns/record-table.js';
import { renderResolvConf } from '../network/dns/resolv-conf.js';
import { parseNetworkMode } from '../network/network-mode.js';
import type { AttachedInterface, EndpointRequest } from '../network/sandbox.js';
import type { Project, ServiceConfig } from '../spec/model.js';
import type { EngineDrivers } from './engine-drivers.js';

export interface ContainerNetworkRequest {
  readonly id: string;
  readonly name: string;
  readonly serviceName: string;
  readonly service: ServiceConfig;
  readonly project: Project;
  /** The service's name and aliases resolve to it (a one-off `run` container answers only to its own names). */
  readonly serviceAliases?: boolean | undefined;
  /** Finds the netns of another container (`network_mode: service:x` / `container:x`) by service or by name. */
  readonly netnsOf: (target: { service: string } | { container: string }) => Promise<string>;
}

export interface AttachedNetwork {
  /** Undefined for `network_mode: host` (the runtime then joins the host's namespace). */
  readonly netnsPath: string | undefined;
  readonly etcFiles: { resolvConf: string; hosts: string; hostname: string } | undefined;
  /** Names to register while the container runs (empty when it has no network of its own). */
  readonly dnsEndpoints: DnsEndpoint[];
}

/** Volatile per-container files the engine writes (resolv.conf, hosts, hostname). */
export function containerEtcDir(run: string, id: string): string {
  return path.join(run, 'etc', id);
}

/** `dns:` entries are addresses (Docker refuses anything else when the container is made). */
function checkDnsServers(servers: readonly string[], serviceName: string): void {
  const bad = servers.find((server) => isIP(server) === 0);
  if (bad !== undefined) throw new UserError(`dns server "${bad}" is not an IP address`, { keyPath: `services.${serviceName}.dns`, hint: 'give the addresses of DNS servers, e.g. dns: [10.0.0.2]' });
}

/** The real name of a project network key: its `name:` or `<project>_<key>`. */
export function networkRealName(project: Project, key: string): string {
  return project.networks[key]?.name ?? `${project.name}_${key}`;
}

/**
 * Make the container's netns (before the container exists, so its network is ready when its process
 * starts) and its /etc files. On failure nothing of it remains.
 */
export async function attachContainerNetwork(drivers: EngineDrivers, request: ContainerNetworkRequest): Promise<AttachedNetwork> {
  const { service, id } = request;
  checkDnsServers(service.dns ?? [], request.serviceName);
  const mode = parseNetworkMode(service.network_mode, `services.${request.serviceName}.network_mode`);
  const hostname = service.hostname ?? id.slice(0, 12);
  switch (mode.kind) {
    case 'host':
      return { netnsPath: undefined, etcFiles: undefined, dnsEndpoints: [] };
    case 'service':
    case 'container': {
      // The other container's netns, /etc/resolv.conf and /etc/hosts are its own business; ours get a hostname only.
      const netnsPath = await request.netnsOf(mode.kind === 'service' ? { service: mode.service } : { container: mode.container });
      return { netnsPath, etcFiles: undefined, dnsEndpoints: [] };
    }
    case 'none': {
      const netnsPath = await drivers.networks.createIsolatedSandbox(id);
      try {
        const etcFiles = await writeEtcFiles(drivers, request, hostname, [], undefined);
        return { netnsPath, etcFiles, dnsEndpoints: [] };
      } catch (error) {
        await detachContainerNetwork(drivers, id);
        throw error;
      }
    }
    case 'bridge':
      return attachToNetworks(drivers, request, hostname);
  }
}

async function attachToNetworks(drivers: EngineDrivers, request: ContainerNetworkRequest, hostname: string): Promise<AttachedNetwork> {
  const { service, serviceName, project, id } = request;
  const entries = Object.entries(service.networks ?? {});
  if (entries.length === 0) {
    throw new UserError(`service ${serviceName} joins no network`, { keyPath: `services.${serviceName}.networks`, hint: 'name a network, or set network_mode: none' });
  }
  const endpoints: EndpointRequest[] = entries.map(([key, config]) => ({
    network: networkRealName(project, key),
    keyPath: `services.${serviceName}.networks.${key}`,
    ...(config?.ipv4_address !== undefined ? { ipv4Address: config.ipv4_address } : {}),
    ...(config?.mac_address !== undefined ? { macAddress: config.mac_address } : entries.length === 1 && service.mac_address !== undefined ? { macAddress: service.mac_address } : {}),
    ...(config?.priority !== undefined ? { priority: config.priority } : {}),
  }));
  const sandbox = await drivers.networks.createSandbox({
    container: id,
    endpoints,
    ports: service.ports ?? [],
    portsKeyPath: `services.${serviceName}.ports`,
    expose: (service.expose ?? []).map(String),
  });
  try {
    const dnsEndpoints = sandbox.interfaces.map((iface) => dnsEndpointFor(request, iface, hostname));
    const etcFiles = await writeEtcFiles(drivers, request, hostname, sandbox.interfaces, sandbox.interfaces[0]?.gateway);
    return { netnsPath: sandbox.netnsPath, etcFiles, dnsEndpoints };
  } catch (error) {
    await detachContainerNetwork(drivers, id);
    throw error;
  }
}

/** The names a container answers to on one network: its name, its service, its aliases, its short id. */
function dnsEndpointFor(request: ContainerNetworkRequest, iface: AttachedInterface, hostname: string): DnsEndpoint {
  const { service, project, serviceName } = request;
  const key = Object.keys(service.networks ?? {}).find((k) => networkRealName(project, k) === iface.network);
  const aliases = key !== undefined ? (service.networks?.[key]?.aliases ?? []) : [];
  const names = [request.name, ...(request.serviceAliases === false ? [] : [serviceName, ...aliases]), request.id.slice(0, 12)];
  if (service.hostname !== undefined) names.push(hostname);
  return {
    network: iface.network,
    containerId: request.id,
    ip: iface.address,
    names: [...new Set(names)],
    links: linkAliases(service.links ?? []),
    ...(service.dns_search ? { searchDomains: service.dns_search } : {}),
    ...(service.dns && service.dns.length > 0 ? { upstreams: service.dns } : {}),
  };
}

/** `links: [db:database]` → alias `database` for `db`; a bare `db` is its own alias. */
function linkAliases(links: readonly string[]): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const link of links) {
    const [target = '', alias = target] = link.split(':');
    if (target !== '') aliases[alias] = target;
  }
  return aliases;
}

async function writeEtcFiles(
  drivers: EngineDrivers,
  request: ContainerNetworkRequest,
  hostname: string,
  interfaces: readonly AttachedInterface[],
  embeddedDns: string | undefined,
): Promise<{ resolvConf: string; hosts: string; hostname: string }> {
  const { service } = request;
  const hostResolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const resolvConf = renderResolvConf({
    embeddedDns,
    dns: service.dns,
    dnsSearch: service.dns_search,
    dnsOptions: service.dns_opt,
    hostResolvConf,
  });
  const hosts = renderHostsFile({
    hostname,
    domainname: service.domainname,
    containerName: request.name,
    addresses: interfaces.map((iface) => iface.address),
    extraHosts: service.extra_hosts,
    hostGateway: interfaces[0]?.gateway,
  });
  return writeContainerDnsFiles(containerEtcDir(drivers.paths.run, request.id), { resolvConf, hosts, hostname });
}

/** Remove the container's netns, veths, ports and /etc files; every step is tried, all errors returned. */
export async function detachContainerNetwork(drivers: EngineDrivers, id: string): Promise<Error[]> {
  const errors = await drivers.networks.removeSandbox(id);
  await rm(containerEtcDir(drivers.paths.run, id), { recursive: true, force: true }).catch((error: unknown) => {
    errors.push(error instanceof Error ? error : new Error(String(error)));
  });
  return errors;
}
