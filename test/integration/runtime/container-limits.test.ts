import { existsSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { runToExit, runtimeFixture } from './runtime-fixture.js';

test('a memory hog is killed at mem_limit and reported as OOM-killed', async (t) => {
  const f = await runtimeFixture(t);
  // Fill a tmpfs-backed /dev/shm? No: anonymous memory through a growing shell variable.
  const events: { id: string; oomKilled: boolean; exitCode: number | undefined }[] = [];
  const unsubscribe = f.runtime.onExit((status) => events.push({ id: status.record.id, oomKilled: status.oomKilled, exitCode: status.exitCode }));
  t.teardown(unsubscribe);
  const { id, exitCode } = await runToExit(f, {
    mem_limit: 16 * 1024 * 1024,
    memswap_limit: 16 * 1024 * 1024,
    command: ['sh', '-c', 'x=xxxxxxxxxxxxxxxx; while true; do x="$x$x"; done'],
  });
  t.is(exitCode, 137);
  t.true((await f.runtime.inspect(id))?.oomKilled);
  // conmon also drops an `oom` file in its working directory, which must be the bundle, not ours.
  t.false(existsSync(path.join(process.cwd(), 'oom')));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.deepEqual(events.find((event) => event.id === id), { id, oomKilled: true, exitCode: 137 });
});

test('a container that exits by itself is not reported as OOM-killed', async (t) => {
  const f = await runtimeFixture(t);
  const { id, exitCode } = await runToExit(f, { mem_limit: 32 * 1024 * 1024, command: ['sh', '-c', 'exit 2'] });
  t.is(exitCode, 2);
  t.false((await f.runtime.inspect(id))?.oomKilled);
});

test('pids_limit caps the number of processes', async (t) => {
  const f = await runtimeFixture(t);
  const { output } = await runToExit(f, {
    pids_limit: 5,
    // Only builtins once the limit is reached: read, echo and kill do not fork.
    command: ['sh', '-c', 'read max < /sys/fs/cgroup/pids/pids.max; echo $max; for i in 1 2 3 4 5 6 7 8; do sleep 1 & done 2>&1; kill %1 %2 %3 %4 2>/dev/null; exit 0'],
  });
  t.regex(output, /can't fork|Resource temporarily unavailable/);
  t.regex(output, /^5$/m);
});

test('init: true reaps zombies (tini as PID 1)', async (t) => {
  const f = await runtimeFixture(t);
  // The inner sh exits at once, leaving `sleep` orphaned; when sleep ends it must be reaped by PID 1.
  const { output } = await runToExit(f, {
    init: true,
    command: ['sh', '-c', 'sh -c "sleep 0.2 &" ; sleep 0.6; cat /proc/1/cmdline | tr "\\0" " "; echo; grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l'],
  });
  const [cmdline, zombies] = output.trim().split('\n');
  t.regex(cmdline ?? '', /^\/sbin\/docker-init -- sh/);
  t.is(zombies?.trim(), '0');
});

test('ulimits, cpus, cpu_shares and oom_score_adj reach the container', async (t) => {
  const f = await runtimeFixture(t);
  const { output } = await runToExit(f, {
    ulimits: { nofile: { soft: 512, hard: 1024 } },
    cpus: 0.5,
    cpu_shares: 256,
    oom_score_adj: 200,
    command: ['sh', '-c', 'ulimit -n; ulimit -Hn; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares /proc/self/oom_score_adj'],
  });
  t.deepEqual(output.trim().split('\n'), ['512', '1024', '50000', '256', '200']);
});

test('sysctls, domainname and devices reach the container', async (t) => {
  const f = await runtimeFixture(t);
  const { exitCode, output } = await runToExit(f, {
    sysctls: { 'net.ipv4.ip_forward': '1' },
    domainname: 'example.test',
    devices: [{ source: '/dev/null', target: '/dev/sink', permissions: 'rwm' }],
    command: ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname; echo data > /dev/sink && echo sink-ok; ls -l /dev/sink | cut -c1'],
  });
  t.is(exitCode, 0, output);
  t.deepEqual(output.trim().split('\n'), ['1', 'example.test', 'sink-ok', 'c']);
});
