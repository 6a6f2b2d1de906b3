// What every Docker container gets: the default mounts, masked and read-only /proc and /sys paths, device rules.
import type { LinuxDeviceRule, RuntimeMount } from './oci-spec.js';

/** Docker's default /dev/shm size: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** The pseudo-filesystems a container sees, as Docker mounts them. */
export function defaultMounts(options: { shmSize: number; privileged: boolean }): RuntimeMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', options.privileged ? 'rw' : 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', options.privileged ? 'rw' : 'ro'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${options.shmSize}`],
    },
  ];
}

/** Paths Docker hides from unprivileged containers (kernel internals that leak host data). */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths Docker makes read-only in unprivileged containers. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * Device cgroup: deny everything, then runc appends its own allow list (null, zero, full, random,
 * urandom, tty, console, ptmx, pts, tun, mknod of any); `devices` entries add their own rules.
 */
export const DENY_ALL_DEVICES: LinuxDeviceRule = { allow: false, access: 'rwm' };

/** Docker's PATH when neither the image nor the service sets one. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the init binary (tini) appears inside a container with `init: true`, as Docker names it. */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';
export const DEFAULT_INIT_BINARY = '/usr/bin/tini-static';
