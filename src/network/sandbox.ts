// A container's network sandbox: its netns file, one veth per network (eth0, eth1, ...), addresses, routes, ports.
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
import type { ServicePortConfig } from '../spec/model.js';
import type { NetworkContext } from './bridge-network.js';
import { applyNftDeletions, applyNftScript, portForwardScript } from './firewall.js';
import { allocateAddress } from './ipam.js';
import { parseIpv4, parsePrefix } from './ipv4.js';
import type { InterfaceSpec } from './netlink-protocol.js';
import { createNetnsFile, netnsPathFor, prepareNetnsDirectory, removeNetns } from './netns.js';
import type { EndpointRecord, NetworkRecord, PortRecord } from './network-store.js';
import { type PublishedPort, choosePorts, planPorts } from './published-ports.js';

/** One network a container joins (compose's `services.x.networks.<name>`). */
export interface EndpointRequest {
  /** The network's full name or id. */
  network: string;
  ipv4Address?: string;
  macAddress?: string;
  /** Higher first (compose `priority`); equal ones keep declaration order. */
  priority?: number;
  keyPath: string;
}

export interface SandboxRequest {
  container: string;
  endpoints: EndpointRequest[];
  ports?: ServicePortConfig[];
  portsKeyPath?: string;
  /** `expose` entries: recorded only (containers on one network reach every port anyway). */
  expose?: string[];
}

export interface AttachedInterface {
  network: string;
  ifname: string;
  address: string;
  prefixLength: number;
  mac: string;
  gateway: string;
  hasDefaultRoute: boolean;
}

export interface Sandbox {
  container: string;
  netnsPath: string;
  interfaces: AttachedInterface[];
  ports: PublishedPort[];
  expose: string[];
}

/** A locally administered MAC made from the IPv4 address, as Docker does (02:42:a:b:c:d). */
export function macFromAddress(address: string): string {
  const value = parseIpv4(address);
  return ['02', '42', ...[value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].map((byte) => byte.toString(16).padStart(2, '0'))].join(':');
}

function checkMac(mac: string, keyPath: string): string {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) throw new UserError(`expected a MAC address like 02:42:0a:00:00:02, found "${mac}"`, { keyPath, hint: 'write six hex pairs joined by colons' });
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) throw new UserError(`MAC address ${mac} is a multicast address`, { keyPath, hint: 'the first byte must be even' });
  return mac.toLowerCase();
}

/** Endpoints in interface order: by priority (higher first), then as declared. */
export function orderEndpoints<T extends { priority?: number }>(endpoints: readonly T[]): T[] {
  return endpoints
    .map((endpoint, index) => ({ endpoint, index }))
    .sort((a, b) => (b.endpoint.priority ?? 0) - (a.endpoint.priority ?? 0) || a.index - b.index)
    .map((entry) => entry.endpoint);
}

/**
 * Make a container's netns and attach it to its networks. Every check (networks exist, addresses free, ports free)
 * happens before anything is made; if the kernel refuses a later step, whatever was made is removed again.
 */
export async function createSandbox(context: NetworkContext, request: SandboxRequest): Promise<Sandbox> {
  const netnsPath = netnsPathFor(context.paths, request.container);
  const ordered = orderEndpoints(request.endpoints);
  const portRequests = planPorts(request.ports ?? [], request.portsKeyPath ?? 'ports');
  if (portRequests.length && ordered.length === 0) {
    throw new UserError('published ports need a network', { keyPath: request.portsKeyPath, hint: 'network_mode none or host cannot publish ports' });
  }
  const { interfaces, ports, specs, portNetwork } = await context.store.transact(async (records, changed) => {
    const byName = (name: string, keyPath: string): NetworkRecord => {
      const record = records.find((candidate) => candidate.name === name || candidate.id === name);
      if (!record) {
        throw new UserError(`network "${name}" does not exist`, { keyPath, hint: 'an external network must exist before up: create it first (another project\'s up), or drop external: true' });
      }
      return record;
    };
    // Everything is decided first; records change only once nothing can fail any more.
    const attached: AttachedInterface[] = [];
    const interfaceSpecs: InterfaceSpec[] = [];
    const endpointRecords: [NetworkRecord, EndpointRecord][] = [];
    let defaultRouteTaken = false;
    for (const [index, endpoint] of ordered.entries()) {
      const record = byName(endpoint.network, endpoint.keyPath);
      if (endpointRecords.some(([other]) => other === record) || record.endpoints[request.container]) {
        throw new UserError(`container ${request.container} is already on network ${record.name}`, { keyPath: endpoint.keyPath });
      }
      const taken = new Set(Object.values(record.endpoints).map((existing) => existing.address));
      const address = allocateAddress(record.addressing, taken, endpoint.ipv4Address, `${endpoint.keyPath}.ipv4_address`);
      const mac = endpoint.macAddress ? checkMac(endpoint.macAddress, `${endpoint.keyPath}.mac_address`) : macFromAddress(address);
      const prefixLength = parsePrefix(record.addressing.subnet).length;
      const hasDefaultRoute: boolean = !record.internal && !defaultRouteTaken;
      defaultRouteTaken ||= hasDefaultRoute;
      const ifname = `eth${index}`;
      const hostIfname = `bv${randomBytes(6).toString('hex')}`;
      attached.push({ network: record.name, ifname, address, prefixLength, mac, gateway: record.addressing.gateway, hasDefaultRoute });
      interfaceSpecs.push({
        hostIfname,
        bridge: record.bridge,
        ifname,
        mac,
        address,
        prefixLength,
        ...(record.mtu ? { mtu: record.mtu } : {}),
        ...(hasDefaultRoute ? { defaultGateway: record.addressing.gateway } : {}),
      });
      endpointRecords.push([
        record,
        { container: request.container, address, mac, ifname, hostIfname, netnsPath, ...(request.expose?.length ? { expose: request.expose } : {}) },
      ]);
    }
    const published = await choosePorts(portRequests, records.flatMap((record) => record.ports));
    // Records before kernel objects: a crash after this point leaves objects that recovery finds through them.
    for (const [record, endpoint] of endpointRecords) {
      record.endpoints[request.container] = endpoint;
      changed.add(record);
    }
    const [first] = endpointRecords;
    if (first && published.length) {
      first[0].ports.push(...published.map((port): PortRecord => ({ container: request.container, ...port, containerIp: first[1].address })));
    }
    return { interfaces: attached, ports: published, specs: interfaceSpecs, portNetwork: first?.[0].id };
  });

  try {
    await prepareNetnsDirectory(context.paths);
    await createNetnsFile(netnsPath);
    await context.netlink.setupSandbox(netnsPath, true, specs);
    const first = interfaces[0];
    if (ports.length && first && portNetwork) {
      await applyNftScript(portForwardScript(portNetwork, ports.map((port) => ({ ...port, containerIp: first.address })), 'add'));
    }
  } catch (error) {
    const cleanup = await removeSandbox(context, request.container);
    if (cleanup.length) throw new AggregateError([error, ...cleanup], `attaching ${request.container} failed and so did part of its cleanup`, { cause: error });
    throw error;
  }
  return { container: request.container, netnsPath, interfaces, ports, expose: request.expose ?? [] };
}

/** A netns with only `lo` (network_mode: none). */
export async function createIsolatedSandbox(context: NetworkContext, container: string): Promise<string> {
  const netnsPath = netnsPathFor(context.paths, container);
  await prepareNetnsDirectory(context.paths);
  await createNetnsFile(netnsPath);
  try {
    await context.netlink.setupSandbox(netnsPath, true, []);
  } catch (error) {
    await removeNetns(netnsPath);
    throw error;
  }
  return netnsPath;
}

/**
 * Remove a container's netns, its DNAT entries and its addresses. Every step is tried; the errors are
 * returned together. The kernel deletes the veth pairs with the netns, in its own time (it batches the
 * teardown of namespaces: a busy host may show a veth for a second after `down`). Deleting each host end
 * ourselves makes that synchronous but costs ~18 ms of kernel time per container: `down` of 50 took
 * 1.69 s instead of 0.77 s.
 */
export async function removeSandbox(context: NetworkContext, container: string): Promise<Error[]> {
  const errors: Error[] = [];
  const netnsPath = netnsPathFor(context.paths, container);
  await removeNetns(netnsPath).catch((error: Error) => errors.push(error));
  await context.store
    .transact(async (records, changed) => {
      let script = '';
      for (const record of records) {
        const ports = record.ports.filter((port) => port.container === container);
        if (!record.endpoints[container] && ports.length === 0) continue;
        script += portForwardScript(record.id, ports, 'delete');
        delete record.endpoints[container];
        record.ports = record.ports.filter((port) => port.container !== container);
        changed.add(record);
      }
      // Still under the lock: the port must be out of the map before another container may take it.
      await applyNftDeletions(script).catch((error: Error) => errors.push(error));
    })
    .catch((error: Error) => errors.push(error));
  return errors;
}
