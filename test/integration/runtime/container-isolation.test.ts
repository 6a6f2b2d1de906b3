import { readFile } from 'node:fs/promises';
import test from 'ava';
import { runToExit, runtimeFixture } from './runtime-fixture.js';

test('effective capabilities are Docker\'s default set (CapEff a80425fb)', async (t) => {
  const f = await runtimeFixture(t);
  const { exitCode, output } = await runToExit(f, { command: ['grep', '-E', '^Cap(Eff|Bnd|Amb)', '/proc/self/status'] });
  t.is(exitCode, 0);
  t.regex(output, /CapEff:\s+00000000a80425fb/);
  t.regex(output, /CapBnd:\s+00000000a80425fb/);
  t.regex(output, /CapAmb:\s+0000000000000000/);
});

test('cap_add and cap_drop change what the process holds', async (t) => {
  const f = await runtimeFixture(t);
  const { output } = await runToExit(f, { cap_drop: ['ALL'], cap_add: ['NET_ADMIN'], command: ['grep', '^CapEff', '/proc/self/status'] });
  t.regex(output, /CapEff:\s+0000000000001000/);
});

test('a read-only rootfs refuses writes; tmpfs and /tmp mounts still work', async (t) => {
  const f = await runtimeFixture(t);
  const { exitCode, output } = await runToExit(f, {
    read_only: true,
    tmpfs: ['/run:size=1m'],
    command: ['sh', '-c', 'touch /etc/x 2>&1; echo rc=$?; touch /run/ok && echo tmpfs-ok; grep " /run " /proc/mounts'],
  });
  t.is(exitCode, 0, output);
  t.regex(output, /Read-only file system/);
  t.regex(output, /rc=1/);
  t.regex(output, /tmpfs-ok/);
  t.regex(output, /tmpfs \/run tmpfs rw,nosuid,nodev,noexec/);
});

test('user by name gets its uid, gid and supplementary groups; uid:gid and group_add too', async (t) => {
  const f = await runtimeFixture(t);
  const named = await runToExit(f, { user: 'app', command: ['id'] });
  t.is(named.output.trim(), 'uid=1000(app) gid=1000(app) groups=2000(extra)');
  const numeric = await runToExit(f, { user: '4242:4343', group_add: ['extra'], command: ['id'] });
  t.is(numeric.output.trim(), 'uid=4242 gid=4343 groups=2000(extra)');
});

test('environment: service beats image; HOSTNAME, PATH and HOME are set; workdir applies', async (t) => {
  const f = await runtimeFixture(t);
  const { output } = await runToExit(
    f,
    { environment: { B: 'service', C: 'c' }, working_dir: '/home/app', hostname: 'box', user: 'app', command: ['sh', '-c', 'env | sort; pwd; hostname'] },
    { image: { reference: 'busybox:test', config: { Env: ['PATH=/bin:/usr/bin', 'A=image', 'B=image'], Cmd: ['sh'] } } },
  );
  const lines = output.trim().split('\n');
  for (const expected of ['A=image', 'B=service', 'C=c', 'HOSTNAME=box', 'PATH=/bin:/usr/bin', 'HOME=/home/app', '/home/app', 'box']) {
    t.true(lines.includes(expected), `missing ${expected} in ${output}`);
  }
});

test('the container sees only its own processes and not host paths', async (t) => {
  const f = await runtimeFixture(t);
  const hostFile = (await readFile('/etc/hostname', 'utf8').catch(() => 'x')).trim();
  const { output } = await runToExit(f, {
    command: ['sh', '-c', 'ls /proc | grep -E "^[0-9]+$" | tr "\\n" " "; echo; ls /work /root/.ssh 2>&1; cat /proc/kcore 2>&1 | head -c 20; echo; echo x > /proc/sys/kernel/domainname 2>&1'],
  });
  const pids = output.split('\n')[0]?.trim().split(' ') ?? [];
  t.true(pids.includes('1'));
  t.true(pids.length <= 4, `saw pids ${pids.join(',')}`);
  t.regex(output, /\/work: No such file or directory/);
  t.notRegex(output, new RegExp(`^${hostFile}$`, 'm'));
  t.regex(output, /Read-only file system/);
});

test('seccomp blocks what Docker blocks (unshare without CAP_SYS_ADMIN), unconfined does not change caps', async (t) => {
  const f = await runtimeFixture(t);
  const blocked = await runToExit(f, { command: ['sh', '-c', 'unshare -m true; echo rc=$?'] });
  t.regex(blocked.output, /rc=1/);
  const mounts = await runToExit(f, { command: ['sh', '-c', 'mount | grep -E " /(dev/shm|dev/mqueue|sys|proc) " | cut -d" " -f1-6'] });
  t.regex(mounts.output, /shm on \/dev\/shm type tmpfs \(rw,nosuid,nodev,noexec,relatime,size=65536k\)/);
  t.regex(mounts.output, /sysfs on \/sys type sysfs \(ro,/);
});
