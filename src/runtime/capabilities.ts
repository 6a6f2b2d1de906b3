// Capability sets: Docker's default set, cap_add/cap_drop (with ALL), privileged, and the host's bounding set.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

/** Every capability the kernel knows, by number (bit position in /proc/<pid>/status masks). */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** What Docker grants a container that asks for nothing (moby's oci/caps defaults). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The capability names whose bits are set in a hex mask such as CapBnd. */
export function capabilitiesFromMask(hexMask: string): string[] {
  const mask = BigInt(`0x${hexMask}`);
  return CAPABILITY_NAMES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** The bit mask (as /proc prints it, 16 hex digits) of a set of capability names. */
export function capabilityMask(names: readonly string[]): string {
  let mask = 0n;
  for (const name of names) {
    const bit = (CAPABILITY_NAMES as readonly string[]).indexOf(name);
    if (bit >= 0) mask |= 1n << BigInt(bit);
  }
  return mask.toString(16).padStart(16, '0');
}

let boundingSet: string[] | undefined;

/** This process's bounding set: a container can never hold more (here CAP_SYS_RESOURCE is missing). Read once: it can only shrink. */
export function hostBoundingCapabilities(): string[] {
  if (!boundingSet) {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
    boundingSet = match?.[1] ? capabilitiesFromMask(match[1]) : [...CAPABILITY_NAMES];
  }
  return boundingSet;
}

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` all name CAP_NET_ADMIN; `ALL` stays ALL. */
export function normalizeCapabilityName(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

export interface CapabilityRequest {
  capAdd?: readonly string[] | undefined;
  capDrop?: readonly string[] | undefined;
  privileged?: boolean | undefined;
  /** What the host can give (the engine's bounding set). */
  available: readonly string[];
}

/**
 * Docker's rules: start from the default set (or every available capability when privileged or
 * cap_add has ALL), drop cap_drop (ALL empties the set first, then cap_add adds back), add cap_add.
 */
export function resolveCapabilities(request: CapabilityRequest): string[] {
  const available = new Set(request.available);
  if (request.privileged) return CAPABILITY_NAMES.filter((name) => available.has(name));
  const add = (request.capAdd ?? []).map(normalizeCapabilityName);
  const drop = (request.capDrop ?? []).map(normalizeCapabilityName);
  for (const [key, names] of [['cap_add', add], ['cap_drop', drop]] as const) {
    for (const name of names) {
      if (name !== 'ALL' && !(CAPABILITY_NAMES as readonly string[]).includes(name)) {
        throw new UserError(`unknown capability "${name}"`, {
          keyPath: key,
          hint: 'use a name from capabilities(7), e.g. NET_ADMIN',
        });
      }
    }
  }
  let set: Set<string>;
  if (add.includes('ALL')) set = new Set(CAPABILITY_NAMES.filter((name) => available.has(name)));
  else if (drop.includes('ALL')) set = new Set();
  else set = new Set(DOCKER_DEFAULT_CAPABILITIES);
  if (!add.includes('ALL')) for (const name of drop) set.delete(name);
  for (const name of add) {
    if (name === 'ALL') continue;
    if (!available.has(name)) {
      throw new UserError(`capability ${name} is not available on this host`, {
        keyPath: 'cap_add',
        hint: `berth itself does not hold ${name}; remove it from cap_add`,
      });
    }
    set.add(name);
  }
  return CAPABILITY_NAMES.filter((name) => set.has(name));
}
