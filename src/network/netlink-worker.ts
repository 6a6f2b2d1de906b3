// The network worker thread: owns all netlink sockets and enters netns (setns/unshare move only this thread).
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { FlagsNew, createRtNetlink, type RtNetlinkSocket } from 'netlink';
import { MountFlag, NamespaceFlag, berthSys } from '../native/berth-sys.js';
import { ipv4ToBytes, parseIpv4, prefixMask } from './ipv4.js';
import type { InterfaceSpec, LinkSummary, NetlinkReply, NetlinkRequest, SandboxDescription } from './netlink-protocol.js';

const CREATE = FlagsNew.CREATE | FlagsNew.EXCL;
const UP = { up: true as const };
const IFLA = { ADDRESS: 1, IFNAME: 3, MTU: 4, NET_NS_FD: 28 };
const IFLA_INFO = { KIND: 1, DATA: 2 };
const VETH_INFO_PEER = 1;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
/** Above the few devices a kernel may add to every new netns (lo, and fallback tunnels such as tunl0 or sit0). */
const FIRST_INDEX = 100;

const sys = berthSys();
// Opened while this thread is still in the host netns: the way back after every job.
const hostNetnsFd = openSync('/proc/thread-self/ns/net', 'r');
// The host socket lives only while jobs run: the addon crashes the process if a worker is torn down with a socket open.
let hostSocket: RtNetlinkSocket | undefined;
let running = 0;
const hostLink = (): RtNetlinkSocket => (hostSocket ??= createRtNetlink());
const bridgeIndex = new Map<string, number>();

async function handle(request: NetlinkRequest): Promise<unknown> {
  switch (request.op) {
    // Dumps get a socket each: the kernel refuses (EBUSY) a second dump on a socket while one is running.
    case 'listLinks':
      return withDumpSocket(listLinks);
    case 'listRoutes':
      return withDumpSocket(listRoutes);
    case 'createBridge':
      return createBridge(request);
    case 'deleteLink':
      return deleteLink(request.name);
    case 'setupSandbox':
      return setupSandbox(request.nsPath, request.create, request.interfaces);
    case 'describeSandbox':
      return describeSandbox(request.nsPath);
  }
}

async function withDumpSocket<T>(dump: (socket: RtNetlinkSocket) => Promise<T>): Promise<T> {
  const socket = createRtNetlink();
  try {
    return await dump(socket);
  } finally {
    socket.socket.close();
  }
}

async function listLinks(socket: RtNetlinkSocket): Promise<LinkSummary[]> {
  const links = await socket.getLinks();
  return links.map((link) => ({
    index: link.data.index ?? 0,
    name: link.attrs.ifname ?? '',
    kind: link.attrs.linkinfo ? linkKind(link.attrs.linkinfo) : '',
    master: link.attrs.master ?? 0,
    group: link.attrs.group ?? 0,
  }));
}

/** IPv4 routes of every table but `local`, as prefixes: IPAM must not pick a subnet the host already reaches. */
async function listRoutes(socket: RtNetlinkSocket): Promise<string[]> {
  const routes = await socket.getRoutes({ family: 2 });
  return routes
    .filter((route) => route.data.table !== 255 && route.attrs.dst !== undefined)
    .map((route) => `${[...(route.attrs.dst ?? [])].join('.')}/${route.data.dstLen ?? 32}`);
}

async function createBridge(request: Extract<NetlinkRequest, { op: 'createBridge' }>): Promise<number> {
  const [created] = await hostLink().newLink(
    { flags: UP, change: UP },
    { ifname: request.name, group: request.group, linkinfo: attrs([[IFLA_INFO.KIND, cstring('bridge')]]), ...(request.mtu ? { mtu: request.mtu } : {}) },
    { flags: CREATE },
  );
  const index = created?.data.index ?? (await linkIndex(hostLink(), request.name));
  bridgeIndex.set(request.name, index);
  await addAddress(hostLink(), index, request.address, request.prefixLength);
  return index;
}

async function deleteLink(name: string): Promise<void> {
  bridgeIndex.delete(name);
  await hostLink().delLink({}, { ifname: name });
}

/**
 * Enter (or make) the netns, open a netlink socket there, return to the host netns at once: the socket stays bound
 * to the netns it was opened in, so all further work is plain async requests and jobs can overlap.
 */
async function setupSandbox(nsPath: string, create: boolean, interfaces: InterfaceSpec[]): Promise<void> {
  let inside: RtNetlinkSocket | undefined;
  let nsFd: number | undefined;
  try {
    if (create) {
      sys.unshare(NamespaceFlag.NEWNET);
      sys.mount('/proc/thread-self/ns/net', nsPath, null, MountFlag.BIND, null);
    } else {
      nsFd = openSync(nsPath, 'r');
      sys.setns(nsFd, NamespaceFlag.NEWNET);
    }
    inside = createRtNetlink();
  } finally {
    sys.setns(hostNetnsFd, NamespaceFlag.NEWNET);
  }
  try {
    const pending: Promise<unknown>[] = [];
    if (create) pending.push(inside.setLink({ index: 1, flags: UP, change: UP }));
    interfaces.forEach((spec, position) => pending.push(attachInterface(inside, spec, create ? FIRST_INDEX + position : 0)));
    await Promise.all(pending);
  } finally {
    inside.socket.close();
    if (nsFd !== undefined) closeSync(nsFd);
  }
}

/**
 * The veth pair is made from inside the netns: the container end (eth0, ...) is the main device, with its MAC, up,
 * and in a netns of our own with an ifindex we choose; the host end is the peer, sent to the host netns. A socket
 * handles its requests in order, so the address and the default route can follow at once without waiting: one round
 * trip for the inside, then one on the host side to put the peer on the bridge (a peer's master is not applied at
 * creation, and a peer cannot be set up there either: the kernel answers ENOTCONN).
 */
async function attachInterface(inside: RtNetlinkSocket, spec: InterfaceSpec, chosenIndex: number): Promise<void> {
  const master = bridgeIndex.get(spec.bridge) ?? (await linkIndex(hostLink(), spec.bridge));
  bridgeIndex.set(spec.bridge, master);
  const peerAttrs: [number, Buffer][] = [
    [IFLA.IFNAME, cstring(spec.hostIfname)],
    [IFLA.NET_NS_FD, u32(hostNetnsFd)],
  ];
  if (spec.mtu) peerAttrs.push([IFLA.MTU, u32(spec.mtu)]);
  const created = inside.newLink(
    { index: chosenIndex, flags: UP, change: UP },
    {
      ifname: spec.ifname,
      address: macBytes(spec.mac),
      ...(spec.mtu ? { mtu: spec.mtu } : {}),
      linkinfo: attrs([
        [IFLA_INFO.KIND, cstring('veth')],
        [IFLA_INFO.DATA, attrs([[VETH_INFO_PEER, Buffer.concat([ifinfomsg(0), attrs(peerAttrs)])]])],
      ]),
    },
    { flags: CREATE },
  );
  const index = chosenIndex || (await created.then(() => linkIndex(inside, spec.ifname)));
  const steps: Promise<unknown>[] = [created, addAddress(inside, index, spec.address, spec.prefixLength)];
  if (spec.defaultGateway) {
    steps.push(
      inside.newRoute(
        { family: 2, dstLen: 0, table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, scope: 0, type: 1 },
        { gateway: ipv4ToBytes(parseIpv4(spec.defaultGateway)), oif: index },
        { flags: CREATE },
      ),
    );
  }
  steps.push(created.then(() => hostLink().setLink({ flags: UP, change: UP }, { ifname: spec.hostIfname, master })));
  await Promise.all(steps);
}

async function addAddress(socket: RtNetlinkSocket, index: number, address: string, prefixLength: number): Promise<void> {
  const value = parseIpv4(address);
  const broadcast = (value | ~prefixMask(prefixLength)) >>> 0;
  await socket.newAddress(
    { family: 2, prefixlen: prefixLength, index, scope: 0 },
    { local: ipv4ToBytes(value), address: ipv4ToBytes(value), broadcast: ipv4ToBytes(broadcast) },
    { flags: CREATE },
  );
}

async function linkIndex(socket: RtNetlinkSocket, name: string): Promise<number> {
  const [link] = await socket.getLink({}, { ifname: name });
  if (!link?.data.index) throw Object.assign(new Error(`no link named ${name}`), { code: 'ENODEV' });
  return link.data.index;
}

async function describeSandbox(nsPath: string): Promise<SandboxDescription> {
  const nsFd = openSync(nsPath, 'r');
  let inside: RtNetlinkSocket;
  try {
    sys.setns(nsFd, NamespaceFlag.NEWNET);
    inside = createRtNetlink();
  } finally {
    sys.setns(hostNetnsFd, NamespaceFlag.NEWNET);
    closeSync(nsFd);
  }
  try {
    // One dump at a time: the package mixes up overlapping multipart replies on one socket.
    const links = await inside.getLinks();
    const addresses = await inside.getAddresses({ family: 2 });
    const routes = await inside.getRoutes({ family: 2 });
    return {
      links: links.map((link) => ({
        name: link.attrs.ifname ?? '',
        up: link.data.flags?.up === true,
        mac: [...(link.attrs.address ?? [])].map((byte) => byte.toString(16).padStart(2, '0')).join(':'),
        addresses: addresses
          .filter((entry) => entry.data.index === link.data.index)
          .map((entry) => `${[...(entry.attrs.local ?? [])].join('.')}/${entry.data.prefixlen ?? 32}`),
      })),
      routes: routes
        .filter((route) => route.data.table === RT_TABLE_MAIN)
        .map((route) =>
          route.attrs.gateway
            ? `${route.attrs.dst ? [...route.attrs.dst].join('.') : 'default'} via ${[...route.attrs.gateway].join('.')}`
            : `${[...(route.attrs.dst ?? [])].join('.')}/${route.data.dstLen ?? 32}`,
        ),
    };
  } finally {
    inside.socket.close();
  }
}

// --- rtnetlink attribute encoding for the nested parts the package leaves as raw buffers ---

function attrs(entries: [number, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [type, payload] of entries) {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(4 + payload.length, 0);
    header.writeUInt16LE(type, 2);
    parts.push(header, payload, Buffer.alloc((4 - (payload.length % 4)) % 4));
  }
  return Buffer.concat(parts);
}

function ifinfomsg(flags: number): Buffer {
  const message = Buffer.alloc(16);
  message.writeUInt32LE(flags, 8);
  message.writeUInt32LE(flags, 12);
  return message;
}

function linkKind(linkinfo: Buffer): string {
  for (let offset = 0; offset + 4 <= linkinfo.length; ) {
    const length = linkinfo.readUInt16LE(offset);
    const type = linkinfo.readUInt16LE(offset + 2) & 0x3fff;
    if (length < 4) break;
    if (type === IFLA_INFO.KIND) return linkinfo.subarray(offset + 4, offset + length).toString().replace(/\0+$/, '');
    offset += (length + 3) & ~3;
  }
  return '';
}

const cstring = (text: string): Buffer => Buffer.from(`${text}\0`);
const u32 = (value: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
};
const macBytes = (mac: string): Buffer => Buffer.from(mac.split(':').map((part) => parseInt(part, 16)));

parentPort?.on('message', (message: { id: number; request: NetlinkRequest }) => {
  running++;
  const done = (): void => {
    if (--running === 0) {
      hostSocket?.socket.close();
      hostSocket = undefined;
    }
  };
  handle(message.request).finally(done).then(
    (value) => parentPort?.postMessage({ id: message.id, ok: true, value } satisfies NetlinkReply),
    (error: unknown) => {
      const failure = error as { message?: string; code?: string; syscall?: string };
      parentPort?.postMessage({
        id: message.id,
        ok: false,
        error: { message: failure.message ?? String(error), operation: `${message.request.op}${failure.syscall ? `/${failure.syscall}` : ''}`, ...(failure.code ? { code: failure.code } : {}) },
      } satisfies NetlinkReply);
    },
  );
});
