import test from 'ava';
import { compareByNumber, pickServiceContainer } from '../../../src/cli/service-container.js';
import {
  cgroupProcsPath, cpuPercent, formatCpuTime, formatStartTime, type HostClock, parseProcStat, psRow, ttyName, userColumn,
} from '../../../src/engine/container-processes.js';
import { inspectDocument, type InspectFacts, mountDocument } from '../../../src/engine/inspect-document.js';
import { combinedStatus, projectSummaries } from '../../../src/engine/project-list.js';
import type { ProjectContainer } from '../../../src/engine/project-containers.js';
import { execFailure, terminalExecProcess } from '../../../src/engine/terminal-exec.js';
import { SystemError, UserError } from '../../../src/errors.js';
import type { RuntimeProcess, RuntimeSpec } from '../../../src/runtime/oci-spec.js';

test('/proc/<pid>/stat is read from the last parenthesis: odd command names do not shift the fields', (t) => {
  const stat = '9686 (my (odd) cmd) S 9676 9676 28466 34817 -1 4194304 99 0 0 0 250 50 0 0 20 0 1 0 1731650 3133440 414';
  t.deepEqual(parseProcStat(stat), { pid: 9686, comm: 'my (odd) cmd', state: 'S', ppid: 9676, ttyNr: 34817, cpuTicks: 300, startTicks: 1731650 });
  t.is(parseProcStat('garbage'), undefined);
});

test('the cgroup of a container: a v1 hierarchy that holds only its processes, else the unified one; never the root', (t) => {
  const hybrid = '9:name=systemd:/\n8:pids:/berth/abc\n4:memory:/other/berth/abc\n1:cpu,cpuacct:/berth/abc\n0::/berth/abc\n';
  t.is(cgroupProcsPath(hybrid, false), '/sys/fs/cgroup/pids/berth/abc/cgroup.procs');
  t.is(cgroupProcsPath('1:cpu,cpuacct:/berth/abc\n0::/\n', false), '/sys/fs/cgroup/cpu,cpuacct/berth/abc/cgroup.procs');
  t.is(cgroupProcsPath('0::/system.slice/berth/abc\n', true), '/sys/fs/cgroup/system.slice/berth/abc/cgroup.procs');
  t.is(cgroupProcsPath('8:pids:/\n0::/\n', false), undefined);
  t.is(cgroupProcsPath('', false), undefined);
});

test('ps -ef columns: TIME, STIME, C, TTY and UID as procps prints them', (t) => {
  t.is(formatCpuTime(0, 100), '00:00:00');
  t.is(formatCpuTime(366_100, 100), '01:01:01');
  t.is(formatCpuTime(100 * (2 * 86_400 + 5), 100), '2-00:00:05');
  const now = new Date(2024, 5, 6, 15, 30).getTime();
  t.is(formatStartTime(new Date(2024, 5, 6, 9, 5).getTime(), now), '09:05');
  t.is(formatStartTime(new Date(2024, 0, 2, 23, 0).getTime(), now), 'Jan02');
  t.is(formatStartTime(new Date(2023, 11, 31).getTime(), now), '2023');
  const clock: HostClock = { nowMs: now, uptimeSeconds: 1000, ticksPerSecond: 100 };
  t.is(cpuPercent(5_000, 90_000, clock), 50); // 50 s of CPU in 100 s of life
  t.is(cpuPercent(50_000, 90_000, clock), 99);
  t.is(cpuPercent(10, 100_000, clock), 0); // started this second
  t.is(ttyName(0), '?');
  t.is(ttyName((136 << 8) | 3), 'pts/3');
  t.is(ttyName((4 << 8) | 1), 'tty1');
  t.is(ttyName((4 << 8) | 65), 'ttyS1');
  const names = new Map([[0, 'root'], [999, 'systemd-coredump']]);
  t.is(userColumn(0, names), 'root');
  t.is(userColumn(999, names), 'systemd+');
  t.is(userColumn(1234, names), '1234');
  const row = psRow({ pid: 7, ppid: 1, euid: 0, state: 'Z', ttyNr: 0, cpuTicks: 0, startTicks: 100_000, comm: 'sh', args: [] }, clock, names);
  t.deepEqual(row, ['root', '7', '1', '0', '15:30', '?', '00:00:00', '[sh] <defunct>']);
});

function projectContainer(number: number, state: ProjectContainer['state'], oneoff = false): ProjectContainer {
  return { id: `id${number}${oneoff ? 'r' : ''}`, name: `p-web-${oneoff ? 'run-' : ''}${number}`, number, oneoff, state } as ProjectContainer;
}

test('exec and port pick the lowest-numbered running replica, or --index; the errors say what exists', (t) => {
  const containers = [projectContainer(3, 'running'), projectContainer(1, 'exited'), projectContainer(2, 'paused'), projectContainer(2, 'running', true)];
  t.is(pickServiceContainer(containers, 'web', 0).id, 'id2');
  t.is(pickServiceContainer(containers, 'web', 3).id, 'id3');
  t.deepEqual([projectContainer(1, 'running', true), projectContainer(1, 'running')].sort(compareByNumber).map((c) => c.oneoff), [false, true]);
  const outOfRange = t.throws(() => pickServiceContainer(containers, 'web', 1), { instanceOf: UserError, message: 'service "web" is not running container #1' });
  t.is(outOfRange?.hint, 'its running containers are #2, #3; pick one with --index');
  const stopped = t.throws<UserError>(() => pickServiceContainer([projectContainer(1, 'exited')], 'web', 0), { message: 'service "web" is not running' });
  t.is(stopped?.hint, 'p-web-1 is exited; start it with `berth start web`');
  const none = t.throws<UserError>(() => pickServiceContainer([], 'web', 0), { message: 'service "web" is not running' });
  t.regex(none?.hint ?? '', /no containers; create and start them with `berth up -d web`/);
});

test('ls: each state with its count, sorted; projects by name; config files once each, N/A when a container does not say', (t) => {
  t.is(combinedStatus(['running', 'exited', 'running', 'paused']), 'exited(1), paused(1), running(2)');
  const labels = (project: string, files?: string): Record<string, string> => ({
    'com.docker.compose.project': project,
    ...(files ? { 'com.docker.compose.project.config_files': files } : {}),
  });
  t.deepEqual(projectSummaries([
    { labels: labels('web', '/a/compose.yaml,/a/override.yaml'), state: 'running' },
    { labels: labels('web', '/a/compose.yaml'), state: 'exited' },
    { labels: labels('api'), state: 'created' },
    { labels: {}, state: 'running' },
  ]), [
    { Name: 'api', Status: 'created(1)', ConfigFiles: 'N/A' },
    { Name: 'web', Status: 'exited(1), running(1)', ConfigFiles: '/a/compose.yaml,/a/override.yaml' },
  ]);
});

test('exec --privileged gives every capability of the host; runc failures carry Docker\'s exit codes', (t) => {
  const base = {
    terminal: false, user: { uid: 0, gid: 0 }, args: ['sleep'], env: ['PATH=/bin', 'A=1'], cwd: '/srv',
    capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], inheritable: [], permitted: ['CAP_CHOWN'], ambient: [] },
  } satisfies RuntimeProcess;
  const plain = terminalExecProcess(base, { args: ['id'], env: ['A=2'], stdio: 'inherit' }, '', '');
  t.deepEqual(plain.capabilities.effective, ['CAP_CHOWN']);
  t.deepEqual(plain.env, ['PATH=/bin', 'A=2']);
  t.is(plain.cwd, '/srv');
  const privileged = terminalExecProcess(base, { args: ['id'], privileged: true, stdio: 'inherit' }, '', '');
  t.true(privileged.capabilities.effective.includes('CAP_SYS_ADMIN') && privileged.capabilities.bounding.length > 1);
  t.deepEqual(privileged.capabilities.inheritable, []);

  const notFound = execFailure('exec failed: unable to start container process: exec: "nope": executable file not found in $PATH', 'nope');
  t.true(notFound instanceof UserError);
  t.is((notFound as UserError & { exitCode: number }).exitCode, 127);
  t.is(notFound.message, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH');
  t.is((execFailure('exec failed: unable to start container process: exec: "/etc/passwd": permission denied', '/etc/passwd') as Error & { exitCode: number }).exitCode, 126);
  const other = execFailure('exec failed: container does not exist', '');
  t.true(other instanceof SystemError);
  t.is((other as Error & { exitCode: number }).exitCode, 126);
});

function facts(overrides: Partial<InspectFacts> = {}): InspectFacts {
  const spec = {
    process: { args: ['/sbin/docker-init', '--', 'postgres', '-D', '/data'], env: ['A=1'], cwd: '/', user: { uid: 999, gid: 999 } },
    hostname: 'abc',
    mounts: [{ destination: '/etc/hosts', source: '/run/berth/x/hosts', type: 'bind', options: [] }],
  } as unknown as RuntimeSpec;
  return {
    status: {
      record: {
        id: 'f'.repeat(64), name: 'p-db-1', labels: { a: 'b' }, image: 'postgres:16', created: '2024-06-06T10:00:00.000Z', rootfs: '/x',
        mounts: [{ destination: '/data', type: 'bind', source: '/var/lib/berth/volumes/p_data/_data', options: ['rbind'] }],
        stopSignal: 'SIGINT', stopGracePeriodMs: 10_000, tty: false, stdinOpen: false, log: {}, startedAt: '2024-06-06T10:00:01.000Z', netnsPath: '/run/berth/netns/x',
      },
      state: 'running', pid: 42, oomKilled: false,
    },
    spec,
    health: { status: 'unhealthy', failingStreak: 3, log: [{ start: Date.UTC(2024, 5, 6, 10, 0, 5), end: Date.UTC(2024, 5, 6, 10, 0, 6), exitCode: 1, output: 'down\n' }] },
    restartCount: 2,
    imageId: `sha256:${'a'.repeat(64)}`,
    logPath: '/var/lib/berth/containers/f/f.log',
    networks: [{
      id: 'n'.repeat(64), name: 'p_default', bridge: 'br-x', addressing: { subnet: '10.1.2.0/24', gateway: '10.1.2.1', auxAddresses: {} }, internal: false, attachable: false,
      labels: {}, driverOptions: {}, created: '', ports: [],
      endpoints: { ['f'.repeat(64)]: { container: 'f'.repeat(64), address: '10.1.2.3', mac: '02:42:0a:01:02:03', ifname: 'eth0', hostIfname: 'veth0', netnsPath: '' } },
    }],
    dnsNames: { p_default: ['p-db-1', 'db', 'ffffffffffff'] },
    publishers: [{ URL: '127.0.0.1', TargetPort: 5432, PublishedPort: 15432, Protocol: 'tcp' }, { URL: '', TargetPort: 9000, PublishedPort: 0, Protocol: 'tcp' }],
    volumesDir: '/var/lib/berth/volumes',
    ...overrides,
  };
}

test('inspect documents have docker\'s shape: State with Health and its log, Config, NetworkSettings, Mounts', (t) => {
  const document = inspectDocument(facts()) as Record<string, Record<string, unknown>>;
  t.is(document['Name'] as unknown, '/p-db-1');
  t.is(document['Path'] as unknown, 'postgres');
  t.deepEqual(document['Args'] as unknown, ['-D', '/data']);
  t.is(document['RestartCount'] as unknown, 2);
  t.is(document['HostsPath'] as unknown, '/run/berth/x/hosts');
  t.deepEqual(document['State'], {
    Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 42, ExitCode: 0, Error: '',
    StartedAt: '2024-06-06T10:00:01.000Z', FinishedAt: '0001-01-01T00:00:00Z',
    Health: { Status: 'unhealthy', FailingStreak: 3, Log: [{ Start: '2024-06-06T10:00:05.000Z', End: '2024-06-06T10:00:06.000Z', ExitCode: 1, Output: 'down\n' }] },
  });
  t.like(document['Config'], { User: '999:999', Hostname: 'abc', Cmd: ['postgres', '-D', '/data'], Image: 'postgres:16', StopSignal: 'SIGINT', StopTimeout: 10, ExposedPorts: { '5432/tcp': {}, '9000/tcp': {} } });
  t.deepEqual((document['NetworkSettings'] as Record<string, unknown>)['Ports'], { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '15432' }], '9000/tcp': null });
  t.like((document['NetworkSettings'] as { Networks: Record<string, unknown> }).Networks['p_default'], {
    IPAddress: '10.1.2.3', IPPrefixLen: 24, Gateway: '10.1.2.1', MacAddress: '02:42:0a:01:02:03', Aliases: ['p-db-1', 'db'], DNSNames: ['p-db-1', 'db', 'ffffffffffff'],
  });
  t.deepEqual(document['Mounts'] as unknown, [{ Type: 'volume', Name: 'p_data', Source: '/var/lib/berth/volumes/p_data/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);

  const exited = inspectDocument(facts({ status: { ...facts().status, state: 'exited', exitCode: 137, oomKilled: true, finishedAt: Date.UTC(2024, 5, 6, 11) }, health: undefined })) as { State: Record<string, unknown> };
  t.like(exited.State, { Status: 'exited', Running: false, Pid: 0, ExitCode: 137, OOMKilled: true, FinishedAt: '2024-06-06T11:00:00.000Z' });
  t.false('Health' in exited.State);
});

test('mounts: binds keep their propagation and ro, tmpfs has no source', (t) => {
  t.deepEqual(mountDocument({ destination: '/src', type: 'bind', source: '/home/me/src', options: ['rbind', 'ro', 'rslave'] }, '/v'), {
    Type: 'bind', Source: '/home/me/src', Destination: '/src', Mode: '', RW: false, Propagation: 'rslave',
  });
  t.deepEqual(mountDocument({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: [] }, '/v'), { Type: 'tmpfs', Source: '', Destination: '/tmp', Mode: '', RW: true, Propagation: '' });
});
