// Bridge networks: create (record, bridge, sysctls, nft table) and remove them, each undone if a later step fails.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { NetworkConfig } from '../spec/model.js';
import type { StatePaths } from '../state/paths.js';
import {
  type FirewallNetwork,
  applyNftDeletions,
  applyNftScript,
  deleteTableScript,
  hostForwardPolicyDrops,
  networkTableScript,
  setHostForwardAccept,
} from './firewall.js';
import { planAddressing } from './ipam.js';
import { parsePrefix } from './ipv4.js';
import { type NetlinkClient, netlinkClient } from './netlink-client.js';
import { BERTH_BRIDGE_GROUP } from './netlink-protocol.js';
import { releaseNetnsDirectory } from './netns.js';
import { type NetworkRecord, NetworkStore } from './network-store.js';

export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
export const MTU_OPTION = 'com.docker.network.driver.mtu';

/** What a network driver works with: state roots, the record store, the netlink worker. */
export interface NetworkContext {
  paths: StatePaths;
  store: NetworkStore;
  netlink: NetlinkClient;
}

export function networkContext(paths: StatePaths, netlink: NetlinkClient = netlinkClient()): NetworkContext {
  return { paths, store: new NetworkStore(paths), netlink };
}

/** A network to make: its full name, its compose key (for error paths) and its config. */
export interface NetworkRequest {
  name: string;
  config: NetworkConfig;
  keyPath: string;
}

export function firewallView(record: NetworkRecord): FirewallNetwork {
  return { id: record.id, bridge: record.bridge, subnet: record.addressing.subnet, internal: record.internal };
}

/** The bridge name of a network: driver_opts' bridge name (checked) or br-<12 hex of the id>. */
export function bridgeNameFor(id: string, config: NetworkConfig, keyPath: string): string {
  const requested = config.driver_opts?.[BRIDGE_NAME_OPTION];
  if (requested === undefined) return `br-${id.slice(0, 12)}`;
  if (requested.length === 0 || requested.length > 15 || !/^[A-Za-z0-9_.-]+$/.test(requested)) {
    throw new UserError(`expected a bridge name of 1 to 15 letters, digits, "_", "." or "-", found "${requested}" (${requested.length} characters)`, {
      keyPath: `${keyPath}.driver_opts["${BRIDGE_NAME_OPTION}"]`,
      hint: 'Linux interface names are at most 15 characters',
    });
  }
  return requested;
}

function mtuOf(config: NetworkConfig, keyPath: string): number | undefined {
  const text = config.driver_opts?.[MTU_OPTION];
  if (text === undefined) return undefined;
  const mtu = Number(text);
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
    throw new UserError(`expected an MTU from 68 to 65535, found "${text}"`, { keyPath: `${keyPath}.driver_opts["${MTU_OPTION}"]` });
  }
  return mtu;
}

/**
 * Make a network, or return the one of that name that exists. An `external` network must exist already. The record
 * is written first, so a crash at any later step leaves something recovery can find.
 */
export async function createNetwork(context: NetworkContext, request: NetworkRequest): Promise<NetworkRecord> {
  const { config, keyPath } = request;
  const existing = await context.store.findByName(request.name);
  if (config.external) {
    if (existing) return existing;
    throw new UserError(`external network "${request.name}" does not exist`, {
      keyPath: `${keyPath}.external`,
      hint: `create it first (berth network create is not there yet; bring up the stack that defines it) or drop external: true`,
    });
  }
  if (existing) return existing;
  if (config.driver !== undefined && config.driver !== 'bridge') {
    throw new UserError(`expected driver "bridge", found "${config.driver}"`, { keyPath: `${keyPath}.driver`, hint: 'berth makes bridge networks only' });
  }
  const id = createHash('sha256').update(randomBytes(32)).digest('hex');
  const bridge = bridgeNameFor(id, config, keyPath);
  const mtu = mtuOf(config, keyPath);
  const hostRoutes = (await context.netlink.listRoutes()).map((route) => parsePrefix(route, true));
  const links = await context.netlink.listLinks();
  if (links.some((link) => link.name === bridge)) {
    throw new UserError(`a network interface named ${bridge} exists already`, {
      keyPath: `${keyPath}.driver_opts["${BRIDGE_NAME_OPTION}"]`,
      hint: 'choose another bridge name',
    });
  }
  const record = await context.store.locked(async () => {
    const others = await context.store.list();
    const clash = others.find((other) => other.name === request.name);
    if (clash) return clash;
    if (others.some((other) => other.bridge === bridge)) {
      throw new UserError(`bridge name ${bridge} is used by another berth network`, { keyPath });
    }
    const addressing = planAddressing(config.ipam?.config, others.map((other) => parsePrefix(other.addressing.subnet)), hostRoutes, keyPath);
    const fresh: NetworkRecord = {
      id,
      name: request.name,
      bridge,
      addressing,
      internal: config.internal === true,
      attachable: config.attachable === true,
      ...(mtu ? { mtu } : {}),
      labels: { ...config.labels },
      driverOptions: { ...config.driver_opts },
      created: new Date().toISOString(),
      endpoints: {},
      ports: [],
    };
    await context.store.write(fresh);
    return fresh;
  });
  if (record.id !== id) return record;
  try {
    await buildNetworkObjects(context, record);
  } catch (error) {
    const cleanup = await teardownNetworkObjects(context, record);
    await context.store.remove(record.id);
    if (cleanup.length) throw new AggregateError([error, ...cleanup], `creating network ${request.name} failed and so did part of its cleanup`, { cause: error });
    throw error;
  }
  return record;
}

/** Make a recorded network's kernel objects: bridge with its gateway, route_localnet, nft table, forwarding rules. */
export async function buildNetworkObjects(context: NetworkContext, record: NetworkRecord): Promise<void> {
  const prefix = parsePrefix(record.addressing.subnet);
  await context.netlink.createBridge({
    name: record.bridge,
    address: record.addressing.gateway,
    prefixLength: prefix.length,
    group: BERTH_BRIDGE_GROUP,
    ...(record.mtu ? { mtu: record.mtu } : {}),
  });
  // Lets DNAT send 127.0.0.1 clients out of this bridge (the postrouting chain masquerades them): no proxy needed.
  await writeFile(`/proc/sys/net/ipv4/conf/${record.bridge}/route_localnet`, '1');
  await applyNftScript(networkTableScript(firewallView(record)));
  if (!record.internal) {
    const forwarding = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
    if (forwarding !== '1') {
      await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
      record.enabledIpForward = true;
    }
  }
  if (await hostForwardPolicyDrops()) {
    await setHostForwardAccept(firewallView(record), true);
    record.hostForwardAccept = true;
  }
  await context.store.write(record);
}

/** Delete a network's kernel objects; every step is tried, the errors are returned. */
export async function teardownNetworkObjects(context: NetworkContext, record: NetworkRecord): Promise<Error[]> {
  const errors: Error[] = [];
  const links = await context.netlink.listLinks().catch((error: Error) => {
    errors.push(error);
    return [];
  });
  if (links.some((link) => link.name === record.bridge)) {
    await context.netlink.deleteLink(record.bridge).catch((error: Error) => errors.push(error));
  }
  await applyNftDeletions(deleteTableScript(record.id)).catch((error: Error) => errors.push(error));
  if (record.hostForwardAccept) {
    await setHostForwardAccept(firewallView(record), false).catch((error: Error) => errors.push(error));
  }
  return errors;
}

/** Remove a network by name or id. One with containers attached is refused. */
export async function removeNetwork(context: NetworkContext, nameOrId: string): Promise<void> {
  const record = await findNetwork(context, nameOrId);
  const attached = Object.keys(record.endpoints);
  if (attached.length) {
    throw new UserError(`network ${record.name} has containers attached: ${attached.join(', ')}`, { hint: 'remove those containers first' });
  }
  const errors = await teardownNetworkObjects(context, record);
  if (errors.length) throw new AggregateError(errors, `removing network ${record.name}: ${errors.map((error) => error.message).join('; ')}`);
  await context.store.remove(record.id);
  if ((await context.store.list()).length === 0) await releaseNetnsDirectory(context.paths);
}

export async function findNetwork(context: NetworkContext, nameOrId: string): Promise<NetworkRecord> {
  const records = await context.store.list();
  const found =
    records.find((record) => record.name === nameOrId || record.id === nameOrId) ??
    (nameOrId.length >= 3 ? records.find((record) => record.id.startsWith(nameOrId)) : undefined);
  if (!found) throw new UserError(`network "${nameOrId}" does not exist`, { hint: 'berth network ls lists the networks' });
  return found;
}
