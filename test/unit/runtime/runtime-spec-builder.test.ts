import test from 'ava';
import { UserError } from '../../../src/errors.js';
import type { ImageRuntimeConfig } from '../../../src/image/media-types.js';
import { CAPABILITY_NAMES, DOCKER_DEFAULT_CAPABILITIES, capabilityMask } from '../../../src/runtime/capabilities.js';
import type { RuntimeSpec } from '../../../src/runtime/oci-spec.js';
import { buildRuntimeSpec, resolveArgs, serializeRuntimeSpec, type ContainerFacts } from '../../../src/runtime/runtime-spec-builder.js';
import type { ServiceConfig } from '../../../src/spec/model.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n';

function facts(extra: Partial<ContainerFacts> = {}): ContainerFacts {
  return {
    id: 'c0ffee1234567890abcdef',
    rootfs: '/rootfs',
    mounts: [],
    passwd: PASSWD,
    group: GROUP,
    hostCapabilities: CAPABILITY_NAMES.filter((name) => name !== 'CAP_SYS_RESOURCE'),
    hostHardLimits: { RLIMIT_NOFILE: 20000, RLIMIT_CORE: Infinity },
    devices: [],
    ...extra,
  };
}

const image: ImageRuntimeConfig = {
  Entrypoint: ['/entry'],
  Cmd: ['serve', '--port', '80'],
  Env: ['PATH=/image/bin', 'A=image', 'B=image'],
  WorkingDir: '/srv',
  User: 'app',
};

function build(service: ServiceConfig, extra: Partial<ContainerFacts> = {}, config: ImageRuntimeConfig = image): RuntimeSpec {
  return buildRuntimeSpec(service, config, facts(extra));
}

test('image entrypoint and cmd are joined; a service command replaces cmd only', (t) => {
  t.deepEqual(resolveArgs({}, image), ['/entry', 'serve', '--port', '80']);
  t.deepEqual(resolveArgs({ command: ['run'] }, image), ['/entry', 'run']);
});

test('a service entrypoint resets the image cmd', (t) => {
  t.deepEqual(resolveArgs({ entrypoint: ['/other'] }, image), ['/other']);
  t.deepEqual(resolveArgs({ entrypoint: ['/other'], command: ['x'] }, image), ['/other', 'x']);
});

test('no entrypoint and no command is a user error', (t) => {
  t.throws(() => resolveArgs({}, {}), { instanceOf: UserError, message: /no command specified/ });
});

test('environment: image env, then service env; HOSTNAME and no default PATH when the image has one', (t) => {
  const spec = build({ environment: { B: 'service', C: 'service', D: null }, hostname: 'web' });
  t.deepEqual(spec.process.env, ['HOSTNAME=web', 'PATH=/image/bin', 'A=image', 'B=service', 'C=service']);
});

test('PATH defaults to Docker\'s and TERM is set with tty', (t) => {
  const spec = build({ tty: true }, {}, { Cmd: ['sh'] });
  t.deepEqual(spec.process.env, [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOSTNAME=c0ffee123456',
    'TERM=xterm',
  ]);
  t.true(spec.process.terminal);
});

test('user from the image is resolved by name with its supplementary groups', (t) => {
  t.deepEqual(build({}).process.user, { uid: 1000, gid: 1000, additionalGids: [2000] });
});

test('uid:gid and group_add by name and number', (t) => {
  t.deepEqual(build({ user: '1234:5678', group_add: ['extra', '42'] }).process.user, {
    uid: 1234,
    gid: 5678,
    additionalGids: [2000, 42],
  });
});

test('an unknown user name is a clear error', (t) => {
  const error = t.throws(() => build({ user: 'nobody-here' }), { instanceOf: UserError });
  t.regex(error.message, /unable to find user nobody-here/);
  t.is(error.keyPath, 'user');
});

test('working_dir overrides the image WorkingDir; default is /', (t) => {
  t.is(build({ working_dir: '/data' }).process.cwd, '/data');
  t.is(build({}).process.cwd, '/srv');
  t.is(build({}, {}, { Cmd: ['sh'] }).process.cwd, '/');
});

test('default capabilities are Docker\'s 14, CapEff a80425fb', (t) => {
  const spec = build({});
  t.deepEqual([...spec.process.capabilities.effective].sort(), [...DOCKER_DEFAULT_CAPABILITIES].sort());
  t.is(capabilityMask(spec.process.capabilities.effective), '00000000a80425fb');
  t.deepEqual(spec.process.capabilities.ambient, []);
});

test('cap_add and cap_drop change the default set; ALL drops everything first', (t) => {
  const caps = build({ cap_add: ['net_admin'], cap_drop: ['CAP_CHOWN', 'MKNOD'] }).process.capabilities.effective;
  t.true(caps.includes('CAP_NET_ADMIN'));
  t.false(caps.includes('CAP_CHOWN'));
  t.false(caps.includes('CAP_MKNOD'));
  t.deepEqual(build({ cap_drop: ['ALL'], cap_add: ['KILL'] }).process.capabilities.effective, ['CAP_KILL']);
  t.false(build({ cap_add: ['ALL'] }).process.capabilities.effective.includes('CAP_SYS_RESOURCE'));
  t.true(build({ cap_add: ['ALL'] }).process.capabilities.effective.includes('CAP_SYS_ADMIN'));
});

test('a capability the host lacks or that does not exist is a user error', (t) => {
  t.throws(() => build({ cap_add: ['SYS_RESOURCE'] }), { instanceOf: UserError, message: /not available/ });
  t.throws(() => build({ cap_add: ['FLY'] }), { instanceOf: UserError, message: /unknown capability "CAP_FLY"/ });
});

test('privileged: every available capability, no seccomp, no masked paths, rw sysfs, all devices', (t) => {
  const spec = build({ privileged: true });
  t.is(spec.process.capabilities.bounding.length, CAPABILITY_NAMES.length - 1);
  t.is(spec.linux.seccomp, undefined);
  t.is(spec.linux.maskedPaths, undefined);
  t.true(spec.mounts.find((mount) => mount.destination === '/sys')?.options.includes('rw'));
  t.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
});

test('unprivileged containers get Docker\'s masked and read-only paths and the default mounts', (t) => {
  const spec = build({});
  t.true(spec.linux.maskedPaths?.includes('/proc/kcore'));
  t.true(spec.linux.readonlyPaths?.includes('/proc/sys'));
  t.deepEqual(spec.mounts.map((mount) => mount.destination), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
  t.true(spec.mounts.find((mount) => mount.destination === '/dev/shm')?.options.includes('size=67108864'));
  t.deepEqual(spec.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
});

test('shm_size, read_only, hostname, domainname', (t) => {
  const spec = build({ shm_size: 1024 * 1024, read_only: true, hostname: 'h', domainname: 'example.org' });
  t.true(spec.mounts.find((mount) => mount.destination === '/dev/shm')?.options.includes('size=1048576'));
  t.true(spec.root.readonly);
  t.is(spec.hostname, 'h');
  t.deepEqual(spec.linux.sysctl, { 'kernel.domainname': 'example.org' });
});

test('seccomp: Docker-like default, widened by CAP_SYS_ADMIN, off with seccomp:unconfined', (t) => {
  const plain = build({}).linux.seccomp;
  t.is(plain?.defaultAction, 'SCMP_ACT_ERRNO');
  t.is(plain?.defaultErrnoRet, 1);
  const allowed = plain?.syscalls[0]?.names ?? [];
  t.true(allowed.includes('read'));
  t.false(allowed.includes('mount'));
  t.false(allowed.includes('reboot'));
  t.true(plain?.syscalls.some((rule) => rule.names[0] === 'clone3' && rule.errnoRet === 38));
  const admin = build({ cap_add: ['SYS_ADMIN'] }).linux.seccomp;
  t.true(admin?.syscalls[0]?.names.includes('mount'));
  t.is(build({ security_opt: ['seccomp:unconfined'] }).linux.seccomp, undefined);
  t.true(build({ security_opt: ['no-new-privileges:true'] }).process.noNewPrivileges);
  t.throws(() => build({ security_opt: ['bogus'] }), { instanceOf: UserError, message: /unknown security_opt/ });
});

test('ulimits within the hard limit; above it, unknown or inverted is a user error', (t) => {
  t.deepEqual(build({ ulimits: { nofile: { soft: 1024, hard: 2048 } } }).process.rlimits, [
    { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 },
  ]);
  const above = t.throws(() => build({ ulimits: { nofile: { soft: 1024, hard: 1_000_000 } } }), { instanceOf: UserError });
  t.regex(above.message, /above this host's limit 20000/);
  t.is(above.keyPath, 'ulimits.nofile');
  t.throws(() => build({ ulimits: { bogus: { soft: 1, hard: 1 } } }), { message: /unknown ulimit "bogus"/ });
  t.throws(() => build({ ulimits: { nofile: { soft: 2, hard: 1 } } }), { message: /greater than hard limit/ });
});

test('unlimited rlimits serialise as 2^64-1', (t) => {
  const spec = build({ ulimits: { core: { soft: -1, hard: -1 } } });
  t.regex(serializeRuntimeSpec(spec), /"soft": 18446744073709551615/);
});

test('resources: memory (swap twice by default), cpus, shares, pids, oom_score_adj, cgroupsPath', (t) => {
  const spec = build({ mem_limit: 64 * 1024 * 1024, cpus: 0.5, cpu_shares: 512, pids_limit: 20, oom_score_adj: 300 });
  t.deepEqual(spec.linux.resources.memory, { limit: 67108864, swap: 134217728 });
  t.deepEqual(spec.linux.resources.cpu, { period: 100000, quota: 50000, shares: 512 });
  t.deepEqual(spec.linux.resources.pids, { limit: 20 });
  t.is(spec.process.oomScoreAdj, 300);
  t.is(spec.linux.cgroupsPath, 'berth/c0ffee1234567890abcdef');
  const mib = 1024 * 1024;
  t.deepEqual(build({ mem_limit: 8 * mib, memswap_limit: 8 * mib }).linux.resources.memory, { limit: 8 * mib, swap: 8 * mib });
  t.deepEqual(build({ mem_limit: 8 * mib, memswap_limit: -1 }).linux.resources.memory, { limit: 8 * mib, swap: -1 });
});

test('limits a container cannot have are user errors that say the fix, as Docker refuses them', (t) => {
  const mib = 1024 * 1024;
  t.throws(() => build({ mem_limit: 100 }), { instanceOf: UserError, message: 'mem_limit of 100 bytes is below the minimum of 6 MiB' });
  t.throws(() => build({ mem_limit: 64 * mib, memswap_limit: 32 * mib }), { instanceOf: UserError, message: /^memswap_limit \(33554432 bytes\) is below mem_limit/ });
  t.throws(() => build({ cpus: 3 }, { hostCpus: 2 }), { instanceOf: UserError, message: 'cpus 3 is more than the 2 CPUs this host has' });
  t.notThrows(() => build({ cpus: 2 }, { hostCpus: 2 }));
  t.throws(() => build({ working_dir: 'app' }), { instanceOf: UserError, message: 'working_dir "app" is not an absolute path' });
});

test('only namespaced sysctls pass: net.* with its own network, IPC ones with its own IPC', (t) => {
  t.notThrows(() => build({ sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1000', 'fs.mqueue.msg_max': '20' } }));
  t.throws(() => build({ sysctls: { 'vm.swappiness': '10' } }), { instanceOf: UserError, message: /"vm\.swappiness" cannot be set for a container: it is not namespaced/ });
  t.throws(() => build({ network_mode: 'host', sysctls: { 'net.ipv4.ip_forward': '1' } }), { message: /shares the host's network namespace/ });
  t.throws(() => build({ ipc: 'host', sysctls: { 'kernel.sem': '1' } }), { message: /shares the host's IPC namespace/ });
});

test('init: tini bound at /sbin/docker-init and placed before the command', (t) => {
  const spec = build({ init: true, command: ['sleep', '1'] });
  t.deepEqual(spec.process.args, ['/sbin/docker-init', '--', '/entry', 'sleep', '1']);
  const mount = spec.mounts.find((candidate) => candidate.destination === '/sbin/docker-init');
  t.is(mount?.source, '/usr/bin/tini-static');
  t.true(mount?.options.includes('ro'));
});

test('user mounts follow the defaults, parents first; a user /dev/shm replaces the default', (t) => {
  const spec = build({}, {
    mounts: [
      { destination: '/a/b', type: 'bind', source: '/x', options: ['rbind'] },
      { destination: '/a', type: 'bind', source: '/y', options: ['rbind'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: [] },
    ],
    etcFiles: { hosts: '/run/hosts', resolvConf: '/run/resolv.conf' },
  });
  t.deepEqual(spec.mounts.map((mount) => mount.destination).slice(6), ['/a', '/a/b', '/dev/shm', '/etc/resolv.conf', '/etc/hosts']);
  t.is(spec.mounts.filter((mount) => mount.destination === '/dev/shm').length, 1);
});

test('devices get a node and a cgroup rule with their permissions; sysctls, labels and netns pass through', (t) => {
  const spec = build(
    { devices: [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rw' }], sysctls: { 'net.core.somaxconn': '1024' }, labels: { a: 'b' }, stop_signal: 'SIGINT' },
    { devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }], netnsPath: '/run/berth/netns/x' },
  );
  t.deepEqual(spec.linux.devices, [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }]);
  t.deepEqual(spec.linux.resources.devices[1], { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' });
  t.deepEqual(spec.linux.sysctl, { 'net.core.somaxconn': '1024' });
  t.is(spec.annotations?.['a'], 'b');
  t.is(spec.annotations?.['org.opencontainers.image.stopSignal'], 'SIGINT');
  t.deepEqual(spec.linux.namespaces.find((ns) => ns.type === 'network'), { type: 'network', path: '/run/berth/netns/x' });
});

test('pid, ipc and network_mode host share the engine\'s namespaces', (t) => {
  const types = (service: ServiceConfig): string[] => build(service).linux.namespaces.map((ns) => ns.type).sort();
  t.deepEqual(types({}), ['ipc', 'mount', 'network', 'pid', 'uts']);
  t.deepEqual(types({ pid: 'host', ipc: 'host', network_mode: 'host' }), ['mount', 'uts']);
});
