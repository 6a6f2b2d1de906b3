// The network driver as one object for the engine: networks, sandboxes, recovery (a fake of it tests the loop).
import type { StatePaths } from '../state/paths.js';
import { type NetworkRequest, createNetwork, findNetwork, networkContext, removeNetwork } from './bridge-network.js';
import type { NetlinkClient } from './netlink-client.js';
import { type NetworkMode, sharedNetnsPath } from './network-mode.js';
import { type AdoptionReport, adoptNetworkState, removeAllNetworkObjects } from './network-recovery.js';
import type { NetworkRecord } from './network-store.js';
import { type Sandbox, type SandboxRequest, createIsolatedSandbox, createSandbox, removeSandbox } from './sandbox.js';

export interface NetworkDriver {
  /** Make a network (or return the existing one of that name); `external` ones must exist. */
  createNetwork(request: NetworkRequest): Promise<NetworkRecord>;
  /** Remove a network no container uses. */
  removeNetwork(nameOrId: string): Promise<void>;
  findNetwork(nameOrId: string): Promise<NetworkRecord>;
  listNetworks(): Promise<NetworkRecord[]>;
  /** network_mode bridge (default): a netns of its own on these networks, with published ports. */
  createSandbox(request: SandboxRequest): Promise<Sandbox>;
  /** network_mode none: a netns with only lo. Returns its path. */
  createIsolatedSandbox(container: string): Promise<string>;
  /** network_mode host (null), service:/container: (the other container's netns path). */
  sharedNetnsPath(mode: NetworkMode, targetContainer?: string): Promise<string | null>;
  /** Remove a container's netns, addresses and ports; every step is tried, all errors returned. */
  removeSandbox(container: string): Promise<Error[]>;
  /** After a crash, on `up`: release dead endpoints, rebuild broken networks. */
  adopt(): Promise<AdoptionReport>;
  /** After a crash, on `down`: remove every sandbox and (unless kept) every network of this state root. */
  removeAll(options?: { keepNetworks?: boolean }): Promise<Error[]>;
}

export function openNetworkDriver(paths: StatePaths, netlink?: NetlinkClient): NetworkDriver {
  const context = networkContext(paths, netlink);
  return {
    createNetwork: (request) => createNetwork(context, request),
    removeNetwork: (nameOrId) => removeNetwork(context, nameOrId),
    findNetwork: (nameOrId) => findNetwork(context, nameOrId),
    listNetworks: () => context.store.list(),
    createSandbox: (request) => createSandbox(context, request),
    createIsolatedSandbox: (container) => createIsolatedSandbox(context, container),
    sharedNetnsPath: (mode, targetContainer) => sharedNetnsPath(paths, mode, targetContainer),
    removeSandbox: (container) => removeSandbox(context, container),
    adopt: () => adoptNetworkState(context),
    removeAll: (options) => removeAllNetworkObjects(context, options),
  };
}
