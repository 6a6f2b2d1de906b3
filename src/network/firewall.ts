// nftables rules of one network, in a table of its own (inet berth-<id12>), each change one `nft -f -` batch.
//
// One table per network rather than one shared table: creating and deleting a whole table is atomic and touches no
// other network's rules, so engines (and parallel tests) never need a host-wide lock or rule handles. Networks keep
// apart through the interface group every berth bridge carries (BERTH_BRIDGE_GROUP): "from my bridge to any other
// berth bridge: drop" needs no list of the other bridges.
//
// nftables runs every base chain of a hook; an accept ends only its own chain, a drop anywhere is final. Our forward
// chain runs at priority filter - 1, before iptables-nft's FORWARD (priority filter): its drops isolate networks, and
// its accepts cannot overrule a FORWARD policy of DROP. When that policy is DROP (Docker sets it), we add an ACCEPT
// rule per bridge to FORWARD through iptables itself (commented `berth:<id12>`), and remove exactly those rules later.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { SystemError } from '../errors.js';
import { BERTH_BRIDGE_GROUP } from './netlink-protocol.js';

const execFileAsync = promisify(execFile);

/**
 * Absolute paths: under npm scripts PATH starts with node_modules/.bin, where `nft` is @vercel/nft (a file tracer that
 * exits 0 on our input).
 */
export function systemTool(name: 'nft' | 'iptables'): string {
  return ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].map((dir) => `${dir}/${name}`).find((candidate) => existsSync(candidate)) ?? name;
}

export interface FirewallNetwork {
  id: string;
  bridge: string;
  subnet: string;
  internal: boolean;
}

/** One DNAT: a host port (on any local address when hostIp is 0.0.0.0) to a container's address and port. */
export interface PortForward {
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export function tableName(networkId: string): string {
  return `berth-${networkId.slice(0, 12)}`;
}

/** The whole table of a network, as one nft script (declarative: a table that exists already is an error). */
export function networkTableScript(network: FirewallNetwork): string {
  const table = tableName(network.id);
  const bridge = JSON.stringify(network.bridge);
  const group = `0x${BERTH_BRIDGE_GROUP.toString(16)}`;
  const forward = [
    `iifname ${bridge} oifname ${bridge} accept`,
    // Published ports are reachable from every network through a host address (as in Docker), replies included;
    // each table accepts its own side, since a drop in either table would be final.
    ...(network.internal ? [] : [`iifname ${bridge} ct status dnat accept`, `oifname ${bridge} ct status dnat accept`]),
    `iifname ${bridge} oifgroup ${group} drop`,
    `oifname ${bridge} iifgroup ${group} drop`,
    ...(network.internal
      ? [`iifname ${bridge} drop`, `oifname ${bridge} drop`]
      : [
          `oifname ${bridge} ct state established,related accept`,
          `oifname ${bridge} drop`,
          `iifname ${bridge} accept`,
        ]),
  ];
  const dnat = [
    'fib daddr type local dnat ip to tcp dport map @tcp_any',
    'fib daddr type local dnat ip to udp dport map @udp_any',
    'dnat ip to ip daddr . tcp dport map @tcp_addr',
    'dnat ip to ip daddr . udp dport map @udp_addr',
  ];
  const postrouting = [
    ...(network.internal ? [] : [`ip saddr ${network.subnet} oifname != ${bridge} masquerade`]),
    // Loopback clients reach published ports through DNAT: route_localnet on the bridge lets 127.0.0.1 out, this hides it.
    `oifname ${bridge} ip saddr 127.0.0.0/8 masquerade`,
    // Hairpin: a container reaching a published port of its own network through a host address would get the reply
    // straight from the other container, not from the address it called; masquerading makes the reply come back here.
    `iifname ${bridge} oifname ${bridge} ct status dnat masquerade`,
  ];
  const maps = ['tcp', 'udp'].flatMap((protocol) => [
    `  map ${protocol}_any { type inet_service : ipv4_addr . inet_service; }`,
    `  map ${protocol}_addr { type ipv4_addr . inet_service : ipv4_addr . inet_service; }`,
  ]);
  const chain = (name: string, hook: string, rules: string[]): string =>
    `  chain ${name} {\n    ${hook}\n${rules.map((rule) => `    ${rule}\n`).join('')}  }`;
  return [
    `table inet ${table} {`,
    ...maps,
    chain('forward', 'type filter hook forward priority filter - 1; policy accept;', forward),
    chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', dnat),
    chain('output', 'type nat hook output priority -100; policy accept;', dnat),
    chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', postrouting),
    '}',
    '',
  ].join('\n');
}

/** Add or delete DNAT entries of one network's table, as statements for one batch. */
export function portForwardScript(networkId: string, forwards: readonly PortForward[], action: 'add' | 'delete'): string {
  const table = tableName(networkId);
  return forwards
    .map((forward) => {
      const any = forward.hostIp === '0.0.0.0';
      const map = `${forward.protocol}_${any ? 'any' : 'addr'}`;
      const key = any ? `${forward.hostPort}` : `${forward.hostIp} . ${forward.hostPort}`;
      const value = action === 'add' ? ` : ${forward.containerIp} . ${forward.containerPort}` : '';
      return `${action} element inet ${table} ${map} { ${key}${value} }\n`;
    })
    .join('');
}

export function deleteTableScript(networkId: string): string {
  return `delete table inet ${tableName(networkId)}\n`;
}

/** Apply one script atomically: nft runs a whole `-f` file as one transaction. */
export async function applyNftScript(script: string): Promise<void> {
  if (!script) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(systemTool('nft'), ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new SystemError(error.message, 'nft -f -', (error as NodeJS.ErrnoException).code)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SystemError(stderr.trim() || `nft exited with ${code}`, 'nft -f -'));
    });
    child.stdin.end(script);
  });
}

/**
 * Apply deletions where some targets may be gone already (a crash between record and rule): the whole batch first,
 * and when it fails, each statement alone, ignoring the ones whose object does not exist.
 */
export async function applyNftDeletions(script: string): Promise<void> {
  try {
    await applyNftScript(script);
  } catch {
    for (const statement of script.split('\n').filter(Boolean)) {
      await applyNftScript(`${statement}\n`).catch((error: Error) => {
        if (!/No such file or directory/.test(error.message)) throw error;
      });
    }
  }
}

/** Names of the inet tables that are berth's (berth-<12 hex>). */
export async function listBerthTables(): Promise<string[]> {
  const { stdout } = await execFileAsync(systemTool('nft'), ['list', 'tables', 'inet']);
  return [...stdout.matchAll(/^table inet (berth-[0-9a-f]{12})$/gm)].map((match) => match[1] ?? '');
}

/** Whether iptables' FORWARD chain drops by policy, so our bridges need accept rules there too. */
export async function hostForwardPolicyDrops(): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync(systemTool('iptables'), ['-w', '-S', 'FORWARD']);
    return /^-P FORWARD DROP$/m.test(stdout);
  } catch {
    return false;
  }
}

/** The iptables FORWARD rules that let one bridge's traffic past a DROP policy (arguments after -I/-D). */
export function hostForwardAcceptRules(network: FirewallNetwork): string[][] {
  const comment = ['-m', 'comment', '--comment', tableName(network.id).replace('berth-', 'berth:')];
  return [
    ['FORWARD', '-i', network.bridge, ...comment, '-j', 'ACCEPT'],
    ['FORWARD', '-o', network.bridge, ...comment, '-j', 'ACCEPT'],
  ];
}

export async function setHostForwardAccept(network: FirewallNetwork, present: boolean): Promise<void> {
  for (const rule of hostForwardAcceptRules(network)) {
    const [chain, ...rest] = rule;
    await execFileAsync(systemTool('iptables'), ['-w', present ? '-I' : '-D', chain ?? 'FORWARD', ...rest]);
  }
}
