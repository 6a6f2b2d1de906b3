import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import { commandsFixture } from './commands-fixture.js';

const compose = `
name: cc-exec
services:
  web:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    working_dir: /tmp
    environment: { GREETING: hello }
    deploy: { replicas: 2 }
  once:
    image: busybox
    command: ["true"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.40.0/24 }]
`;

test('exec runs in the running container with its env and workdir, returns the exit code, and explains what it cannot do', async (t) => {
  const berth = await commandsFixture(t, compose, 'cc-exec');
  const up = await berth.run('up', '-d');
  t.is(up.code, 0, up.stderr);

  const plain = await berth.run('exec', '-T', 'web', 'sh', '-c', 'echo $GREETING $(pwd); echo oops >&2; exit 3');
  t.is(plain.code, 3, plain.stderr);
  t.is(plain.stdout, 'hello /tmp\n');
  t.is(plain.stderr, 'oops\n');

  const options = await berth.run('exec', '-T', '-e', 'EXTRA=1', '-e', 'GREETING=bye', '-w', '/', '-u', 'nobody', 'web', 'sh', '-c', 'echo $EXTRA $GREETING $(pwd) $(id -u)');
  t.is(options.code, 0, options.stderr);
  t.is(options.stdout, '1 bye / 65534\n');

  // Each replica is its own container: --index picks one, compose's default is the lowest number.
  const first = await berth.run('exec', '-T', 'web', 'hostname');
  const second = await berth.run('exec', '-T', '--index', '2', 'web', 'hostname');
  const firstAgain = await berth.run('exec', '-T', '--index', '1', 'web', 'hostname');
  t.is(first.code + second.code, 0);
  t.is(first.stdout, firstAgain.stdout);
  t.not(first.stdout, second.stdout);

  const outOfRange = await berth.run('exec', '-T', '--index', '3', 'web', 'true');
  t.is(outOfRange.code, 1);
  t.regex(outOfRange.stderr, /error: service "web" is not running container #3\n {2}hint: its running containers are #1, #2/);

  const unknown = await berth.run('exec', 'nope', 'true');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /error: no such service: nope/);

  const exited = await berth.run('exec', 'once', 'true');
  t.is(exited.code, 1);
  t.regex(exited.stderr, /error: service "once" is not running\n {2}hint: cc-exec-once-1 is exited; start it with `berth start once`/);

  const missing = await berth.run('exec', '-T', 'web', 'no-such-command');
  t.is(missing.code, 127);
  t.regex(missing.stderr, /^error: OCI runtime exec failed: exec failed: .*exec: "no-such-command": executable file not found in \$PATH\n {2}hint: no "no-such-command" in the container's PATH/);
  const notRunnable = await berth.run('exec', '-T', 'web', '/etc/passwd');
  t.is(notRunnable.code, 126);
  t.regex(notRunnable.stderr, /permission denied/);
  // A command that exits 255 itself is not a runc failure.
  const own255 = await berth.run('exec', '-T', 'web', 'sh', '-c', 'exit 255');
  t.is(own255.code, 255);
  t.is(own255.stderr, '');

  // Without --privileged the process has Docker's default capabilities; with it, all of the host's.
  const capabilities = async (...flags: string[]): Promise<bigint> => {
    const result = await berth.run('exec', '-T', ...flags, 'web', 'sh', '-c', 'grep CapEff /proc/self/status');
    t.is(result.code, 0, result.stderr);
    return BigInt(`0x${result.stdout.split(/\s+/)[1] ?? ''}`);
  };
  t.is(await capabilities(), 0xa80425fbn);
  t.true((await capabilities('--privileged')) > 0xa80425fbn);

  // -p names the project without a compose file (from any directory).
  const byName = await berth.bare('-p', 'cc-exec', 'exec', '-T', 'web', 'echo', 'found');
  t.is(byName.code, 0, byName.stderr);
  t.is(byName.stdout, 'found\n');

  // -d returns at once; the command goes on in the container.
  const started = Date.now();
  // The command runs for a minute: an exec that waited for it could not return within the bound, however loaded the machine.
  const detached = await berth.run('exec', '-d', 'web', 'sh', '-c', 'touch /tmp/flag; sleep 60');
  t.is(detached.code, 0, detached.stderr);
  t.is(detached.stdout, '');
  t.true(Date.now() - started < 30_000);
  for (let attempt = 0; ; attempt += 1) {
    const check = await berth.run('exec', '-T', 'web', 'test', '-f', '/tmp/flag');
    if (check.code === 0) break;
    if (attempt > 50) t.fail('the detached command never created /tmp/flag');
    await delay(100);
  }
  t.pass();
});

test('exec forwards stdin and passes a terminal through when berth runs in one', async (t) => {
  const berth = await commandsFixture(t, compose.replace('cc-exec', 'cc-exec-io').replace('10.240.40.0', '10.240.41.0'), 'cc-exec-io');
  const up = await berth.run('up', '-d', 'web');
  t.is(up.code, 0, up.stderr);

  const piped = await berth.spawn(['-p', 'cc-exec-io', 'exec', '-T', 'web', 'sh', '-c', 'cat; exit 4'], { input: 'line one\nline two\n' });
  t.is(piped.code, 4, piped.stderr);
  t.is(piped.stdout, 'line one\nline two\n');

  // Under `script` berth's stdin and stdout are a terminal: the process gets one too (and -T takes it away).
  const inTerminal = (args: string[]) => berth.spawn(args, { wrap: (command) => ['script', '-qefc', command.map((word) => `'${word}'`).join(' '), '/dev/null'] });
  const tty = await inTerminal(['-p', 'cc-exec-io', 'exec', 'web', 'sh', '-c', 'tty; test -t 0 && exit 7']);
  t.is(tty.code, 7, tty.stdout + tty.stderr);
  t.regex(tty.stdout, /\/dev\/pts\/\d+/);
  const noTty = await inTerminal(['-p', 'cc-exec-io', 'exec', '-T', 'web', 'sh', '-c', 'test -t 0 || echo no terminal']);
  t.is(noTty.code, 0, noTty.stdout + noTty.stderr);
  t.regex(noTty.stdout, /no terminal/);
});
