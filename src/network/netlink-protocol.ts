// The messages between the engine and its network worker thread (which owns every netlink socket of the process).

/** One side of a veth pair to create: the host side joins a bridge, the peer is made inside the sandbox's netns. */
export interface InterfaceSpec {
  hostIfname: string;
  bridge: string;
  /** eth0, eth1, ... inside the netns. */
  ifname: string;
  mac: string;
  address: string;
  prefixLength: number;
  mtu?: number;
  /** Set on the one interface that carries the default route. */
  defaultGateway?: string;
}

export interface LinkSummary {
  index: number;
  name: string;
  /** `bridge`, `veth`, ... or '' for devices without a kind. */
  kind: string;
  master: number;
  group: number;
}

export type NetlinkRequest =
  | { op: 'listLinks' }
  | { op: 'listRoutes' }
  | { op: 'createBridge'; name: string; mtu?: number; address: string; prefixLength: number; group: number }
  | { op: 'deleteLink'; name: string }
  /** `create`: a new netns bound at nsPath; else the netns already bound there gains these interfaces. */
  | { op: 'setupSandbox'; nsPath: string; create: boolean; interfaces: InterfaceSpec[] }
  /** Addresses and routes seen inside a netns, for tests and inspect. */
  | { op: 'describeSandbox'; nsPath: string };

export interface SandboxDescription {
  links: { name: string; up: boolean; mac: string; addresses: string[] }[];
  /** `default via 10.0.0.1`, `10.0.0.0/24`. */
  routes: string[];
}

export type NetlinkReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  message: string;
  code?: string;
  operation: string;
}

/** Bridges of berth carry this interface group, so one network's rules can name "every other berth bridge". */
export const BERTH_BRIDGE_GROUP = 0x0be2;
