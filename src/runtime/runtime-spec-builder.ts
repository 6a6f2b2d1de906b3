// ServiceConfig + image config + container facts → an OCI runtime spec (config.json), with Docker's rules. Pure.
import { UserError } from '../errors.js';
import type { ImageRuntimeConfig } from '../image/media-types.js';
import type { ServiceConfig } from '../spec/model.js';
import { resolveCapabilities } from './capabilities.js';
import { resolveContainerUser } from './container-user.js';
import { ULIMIT_TYPES, type HardLimits } from './host-limits.js';
import {
  DEFAULT_INIT_BINARY, DEFAULT_PATH, DEFAULT_SHM_SIZE, DENY_ALL_DEVICES, INIT_PATH_IN_CONTAINER, MASKED_PATHS,
  READONLY_PATHS, defaultMounts,
} from './linux-defaults.js';
import type { LinuxDevice, LinuxDeviceRule, LinuxResources, RuntimeMount, RuntimeSpec } from './oci-spec.js';
import { defaultSeccompProfile } from './seccomp-profile.js';

/** What the engine knows about the container beyond the service: paths, host facts, resolved files. */
export interface ContainerFacts {
  id: string;
  rootfs: string;
  /** A persistent netns file to join; absent means a fresh namespace with only `lo`. */
  netnsPath?: string | undefined;
  /** `pid`/`ipc: service:x|container:x`: the other container's namespace files (`/proc/<pid>/ns/...`) to join. */
  joinNamespaces?: { pid?: string | undefined; ipc?: string | undefined } | undefined;
  /** Mounts for `volumes`, `tmpfs`, `volumes_from` (resolved by src/volume), in any order. */
  mounts: readonly RuntimeMount[];
  /** Host files bound over /etc/resolv.conf, /etc/hosts, /etc/hostname. */
  etcFiles?: { resolvConf?: string; hosts?: string; hostname?: string } | undefined;
  /** Text of the container's /etc/passwd and /etc/group ('' when absent). */
  passwd: string;
  group: string;
  /** The engine's bounding capabilities and hard rlimits (the most a container may get). */
  hostCapabilities: readonly string[];
  hostHardLimits: HardLimits;
  /** CPUs this host has (the most `cpus` may ask for); unchecked when absent. */
  hostCpus?: number | undefined;
  /** Host device nodes named by `devices`, already stat'ed. */
  devices: readonly LinuxDevice[];
  /** Extra annotations (compose labels, berth's own). */
  annotations?: Record<string, string> | undefined;
  initBinary?: string | undefined;
  /** cgroup path for this container; default `berth/<id>` (relative: under the engine's cgroup). */
  cgroupsPath?: string | undefined;
}

/** JSON cannot hold 2^64-1 exactly; this marker is swapped for it when the spec is serialised. */
export const RLIMIT_INFINITY = -1;

/** Docker's rules for the argv: a service entrypoint resets the image's Cmd. */
export function resolveArgs(service: ServiceConfig, image: ImageRuntimeConfig): string[] {
  const entrypoint = service.entrypoint ?? image.Entrypoint ?? [];
  const command = service.command ?? (service.entrypoint !== undefined ? [] : (image.Cmd ?? []));
  const args = [...entrypoint, ...command];
  if (args.length === 0) {
    throw new UserError('no command specified', {
      keyPath: 'command',
      hint: 'the image has no Entrypoint or Cmd: set command (or entrypoint) in the service',
    });
  }
  return args;
}

function envName(item: string): string {
  const eq = item.indexOf('=');
  return eq < 0 ? item : item.slice(0, eq);
}

/** Docker's env: PATH, HOSTNAME, TERM (tty), then image env, then the service's (env_file is already merged in). */
export function resolveEnv(service: ServiceConfig, image: ImageRuntimeConfig, hostname: string): string[] {
  const env = new Map<string, string>();
  const set = (item: string): void => void env.set(envName(item), item);
  const fromConfig = [...(image.Env ?? [])];
  for (const [name, value] of Object.entries(service.environment ?? {})) {
    if (value !== null) fromConfig.push(`${name}=${value}`);
  }
  if (!fromConfig.some((item) => envName(item) === 'PATH')) set(`PATH=${DEFAULT_PATH}`);
  set(`HOSTNAME=${hostname}`);
  if (service.tty) set('TERM=xterm');
  for (const item of fromConfig) set(item);
  return [...env.values()];
}

interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: boolean;
}

function parseSecurityOptions(options: readonly string[]): SecurityOptions {
  const result: SecurityOptions = { noNewPrivileges: false, seccomp: true };
  for (const option of options) {
    const [key = '', value = ''] = option.split(/[=:]/, 2);
    if (key === 'no-new-privileges') {
      if (value !== '' && value !== 'true' && value !== 'false') {
        throw new UserError(`invalid security_opt "${option}": expected no-new-privileges[:true|false]`, { keyPath: 'security_opt' });
      }
      result.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp') {
      if (value !== 'unconfined') {
        throw new UserError(`security_opt "${option}" is not supported`, {
          keyPath: 'security_opt',
          hint: 'berth supports seccomp:unconfined; custom profiles are not implemented',
        });
      }
      result.seccomp = false;
    } else if (key === 'apparmor' || key === 'label') {
      // No AppArmor or SELinux on the hosts berth targets: Docker ignores them there too.
    } else {
      throw new UserError(`unknown security_opt "${option}"`, {
        keyPath: 'security_opt',
        hint: 'supported: no-new-privileges, seccomp:unconfined',
      });
    }
  }
  return result;
}

function resolveRlimits(service: ServiceConfig, hardLimits: HardLimits): { type: string; soft: number; hard: number }[] {
  const rlimits: { type: string; soft: number; hard: number }[] = [];
  for (const [name, limit] of Object.entries(service.ulimits ?? {})) {
    const type = ULIMIT_TYPES[name]?.rlimit;
    const keyPath = `ulimits.${name}`;
    if (!type) {
      throw new UserError(`unknown ulimit "${name}"`, { keyPath, hint: `use one of ${Object.keys(ULIMIT_TYPES).join(', ')}` });
    }
    const soft = limit.soft < 0 ? Infinity : limit.soft;
    const hard = limit.hard < 0 ? Infinity : limit.hard;
    if (soft > hard) {
      throw new UserError(`soft limit ${limit.soft} is greater than hard limit ${limit.hard}`, { keyPath });
    }
    const ceiling = hardLimits[type] ?? Infinity;
    if (hard > ceiling) {
      throw new UserError(`hard limit ${hard === Infinity ? 'unlimited' : hard} is above this host's limit ${ceiling}`, {
        keyPath,
        hint: `berth runs without CAP_SYS_RESOURCE and cannot raise ${name} above ${ceiling}; lower the ulimit`,
      });
    }
    rlimits.push({ type, soft: soft === Infinity ? RLIMIT_INFINITY : soft, hard: hard === Infinity ? RLIMIT_INFINITY : hard });
  }
  return rlimits;
}

/** Docker's smallest memory limit: below it a container cannot even start (runc's cgroup write fails). */
const MIN_MEMORY_LIMIT = 6 * 1024 * 1024;

function checkMemoryLimits(memLimit: number, memswapLimit: number | undefined): void {
  if (memLimit < MIN_MEMORY_LIMIT) {
    throw new UserError(`mem_limit of ${memLimit} bytes is below the minimum of 6 MiB`, { keyPath: 'mem_limit', hint: 'set mem_limit to at least 6m' });
  }
  // -1: unlimited swap. Otherwise memswap_limit counts memory and swap together.
  if (memswapLimit !== undefined && memswapLimit !== -1 && memswapLimit < memLimit) {
    throw new UserError(`memswap_limit (${memswapLimit} bytes) is below mem_limit (${memLimit} bytes)`, {
      keyPath: 'memswap_limit',
      hint: 'memswap_limit is memory plus swap: set it to at least mem_limit, or to -1 for unlimited swap',
    });
  }
}

function resolveResources(service: ServiceConfig, devices: readonly LinuxDevice[], privileged: boolean, hostCpus: number | undefined): LinuxResources {
  const limits = service.deploy?.resources?.limits;
  const deviceRules: LinuxDeviceRule[] = privileged ? [{ allow: true, access: 'rwm' }] : [DENY_ALL_DEVICES];
  for (const device of devices) {
    if (device.type === 'p') continue;
    const access = service.devices?.find((mapping) => (mapping.target ?? mapping.source) === device.path)?.permissions ?? 'rwm';
    deviceRules.push({ allow: true, type: device.type, major: device.major, minor: device.minor, access });
  }
  const resources: LinuxResources = { devices: deviceRules };
  const memory: NonNullable<LinuxResources['memory']> = {};
  const memLimit = service.mem_limit ?? limits?.memory;
  if (memLimit !== undefined && memLimit > 0) {
    checkMemoryLimits(memLimit, service.memswap_limit);
    memory.limit = memLimit;
    // Docker: with no memswap_limit the container may swap as much again as its memory limit.
    memory.swap = service.memswap_limit ?? memLimit * 2;
  } else if (service.memswap_limit !== undefined) {
    throw new UserError('memswap_limit needs mem_limit', { keyPath: 'memswap_limit', hint: 'set mem_limit too' });
  }
  if (service.mem_reservation !== undefined) memory.reservation = service.mem_reservation;
  if (service.mem_swappiness !== undefined && service.mem_swappiness >= 0) memory.swappiness = service.mem_swappiness;
  if (service.oom_kill_disable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length > 0) resources.memory = memory;
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  const cpus = service.cpus ?? limits?.cpus;
  if (cpus !== undefined && hostCpus !== undefined && cpus > hostCpus) {
    throw new UserError(`cpus ${cpus} is more than the ${hostCpus} CPUs this host has`, { keyPath: 'cpus', hint: `ask for 0.01 to ${hostCpus.toFixed(2)} CPUs` });
  }
  if (cpus !== undefined && cpus > 0) {
    cpu.period = 100_000;
    cpu.quota = Math.round(cpus * 100_000);
  }
  if (service.cpu_shares !== undefined) cpu.shares = service.cpu_shares;
  if (service.cpuset !== undefined) cpu.cpus = service.cpuset;
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;
  const pids = service.pids_limit ?? limits?.pids;
  if (pids !== undefined && pids > 0) resources.pids = { limit: pids };
  return resources;
}

function depth(destination: string): number {
  return destination.split('/').filter(Boolean).length;
}

function resolveMounts(service: ServiceConfig, facts: ContainerFacts, privileged: boolean, init: boolean): RuntimeMount[] {
  const user = [...facts.mounts];
  const etc = facts.etcFiles ?? {};
  for (const [file, source] of [['resolv.conf', etc.resolvConf], ['hosts', etc.hosts], ['hostname', etc.hostname]] as const) {
    if (source && !user.some((mount) => mount.destination === `/etc/${file}`)) {
      user.push({ destination: `/etc/${file}`, type: 'bind', source, options: ['rbind', 'rprivate'] });
    }
  }
  if (init) {
    user.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: facts.initBinary ?? DEFAULT_INIT_BINARY, options: ['bind', 'ro', 'nosuid', 'nodev'] });
  }
  const taken = new Set(user.map((mount) => mount.destination));
  const base = defaultMounts({ shmSize: service.shm_size ?? DEFAULT_SHM_SIZE, privileged }).filter(
    (mount) => !taken.has(mount.destination),
  );
  // Parents before children, as Docker sorts them; stable for equal depth.
  return [...base, ...user.map((mount, index) => ({ mount, index }))
    .sort((a, b) => depth(a.mount.destination) - depth(b.mount.destination) || a.index - b.index)
    .map(({ mount }) => mount)];
}

/** The sysctls a container's own namespaces hold (runc's and Docker's list): any other would change the host. */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

function checkSysctls(names: readonly string[], shared: { hostNetwork: boolean; hostIpc: boolean }): void {
  for (const name of names) {
    const ipc = IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.');
    const net = name.startsWith('net.');
    const uts = name === 'kernel.domainname' || name === 'kernel.hostname';
    if ((ipc && !shared.hostIpc) || (net && !shared.hostNetwork) || uts) continue;
    const why = ipc || net ? `the container shares the host's ${ipc ? 'IPC' : 'network'} namespace` : 'it is not namespaced: it would change the whole host';
    throw new UserError(`sysctl "${name}" cannot be set for a container: ${why}`, {
      keyPath: 'sysctls',
      hint: 'a container may set net.* (with its own network), kernel.msg*, kernel.sem, kernel.shm* and fs.mqueue.*',
    });
  }
}

/** Docker's rule: the working directory is absolute (runc would only say "Cwd must be an absolute path"). */
function workingDirectory(dir: string): string {
  if (!dir.startsWith('/')) throw new UserError(`working_dir "${dir}" is not an absolute path`, { keyPath: 'working_dir', hint: `write it from the root, e.g. /${dir}` });
  return dir;
}

/** Build the container's config.json. Throws UserError for every mistake it can see before runc does. */
export function buildRuntimeSpec(service: ServiceConfig, image: ImageRuntimeConfig, facts: ContainerFacts): RuntimeSpec {
  const privileged = service.privileged === true;
  const init = service.init === true;
  const hostname = service.hostname ?? facts.id.slice(0, 12);
  const security = parseSecurityOptions(service.security_opt ?? []);
  const user = resolveContainerUser(service.user ?? image.User, service.group_add, facts.passwd, facts.group);
  const capabilities = resolveCapabilities({
    capAdd: service.cap_add,
    capDrop: service.cap_drop,
    privileged,
    available: facts.hostCapabilities,
  });
  let args = resolveArgs(service, image);
  if (init) args = [INIT_PATH_IN_CONTAINER, '--', ...args];
  const rlimits = resolveRlimits(service, facts.hostHardLimits);
  // `host` shares the engine's namespace (no entry); otherwise a new one, or the prepared netns file.
  const namespaces: RuntimeSpec['linux']['namespaces'] = [{ type: 'mount' }, { type: 'uts' }];
  const join = facts.joinNamespaces ?? {};
  if (service.pid !== 'host') namespaces.push(join.pid ? { type: 'pid', path: join.pid } : { type: 'pid' });
  if (service.ipc !== 'host') namespaces.push(join.ipc ? { type: 'ipc', path: join.ipc } : { type: 'ipc' });
  if (service.network_mode !== 'host') {
    namespaces.push(facts.netnsPath ? { type: 'network', path: facts.netnsPath } : { type: 'network' });
  }
  // runc 1.1 predates the spec's `domainname` field; the UTS namespace takes it as a sysctl.
  checkSysctls(Object.keys(service.sysctls ?? {}), { hostNetwork: service.network_mode === 'host', hostIpc: service.ipc === 'host' });
  const sysctl: Record<string, string> = { ...(service.domainname ? { 'kernel.domainname': service.domainname } : {}), ...(service.sysctls ?? {}) };
  const annotations: Record<string, string> = { ...(facts.annotations ?? {}) };
  for (const [key, value] of Object.entries(service.labels ?? {})) annotations[key] = value;
  if (service.extra_hosts?.length) annotations['berth.extra-hosts'] = service.extra_hosts.join(',');
  if (service.stop_signal) annotations['org.opencontainers.image.stopSignal'] = service.stop_signal;
  const spec: RuntimeSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: service.tty === true,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args,
      env: resolveEnv(service, image, hostname),
      cwd: workingDirectory(service.working_dir || image.WorkingDir || '/'),
      capabilities: {
        bounding: capabilities,
        effective: capabilities,
        inheritable: [],
        permitted: capabilities,
        ambient: [],
      },
      ...(rlimits.length ? { rlimits } : {}),
      ...(security.noNewPrivileges ? { noNewPrivileges: true } : {}),
      ...(service.oom_score_adj !== undefined ? { oomScoreAdj: service.oom_score_adj } : {}),
    },
    root: { path: facts.rootfs, readonly: service.read_only === true },
    hostname,
    mounts: resolveMounts(service, facts, privileged, init),
    ...(Object.keys(annotations).length ? { annotations } : {}),
    linux: {
      namespaces,
      cgroupsPath: facts.cgroupsPath ?? `berth/${facts.id}`,
      resources: resolveResources(service, facts.devices, privileged, facts.hostCpus),
      ...(facts.devices.length ? { devices: [...facts.devices] } : {}),
      ...(Object.keys(sysctl).length ? { sysctl } : {}),
      ...(security.seccomp && !privileged ? { seccomp: defaultSeccompProfile(capabilities) } : {}),
      ...(privileged ? {} : { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS] }),
      rootfsPropagation: 'rprivate',
    },
  };
  return spec;
}

/** config.json text; unlimited rlimits become 2^64-1, which a JS number cannot hold. */
export function serializeRuntimeSpec(spec: RuntimeSpec): string {
  const text = JSON.stringify(spec, null, 2);
  return text.replace(/("(?:soft|hard)": )-1\b/g, '$118446744073709551615');
}
