// `berth run` attached to its container's stdio: stdin forwarded, output as it comes, a terminal when
// berth runs in one (and -T takes it away), the exit code passed on.
import test from 'ava';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { commandsFixture } from './commands-fixture.js';

const compose = `
name: cc-run
services:
  app:
    image: busybox
    command: ["sleep", "3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.51.0/24 }]
`;

test('run forwards stdin (end-of-file included), keeps stdout and stderr apart, and exits with the container; --no-interactive gives it none', async (t) => {
  const berth = await commandsFixture(t, compose, 'cc-run');
  const piped = await berth.spawn(['-f', berth.file, '--progress', 'quiet', 'run', '--rm', 'app', 'sh', '-c', 'echo first; while read line; do echo "got $line"; done; echo done >&2; exit 3'], {
    input: 'one\ntwo\n',
  });
  t.is(piped.code, 3, piped.stderr);
  t.is(piped.stdout, 'first\ngot one\ngot two\n');
  t.is(piped.stderr, 'done\n');

  const closed = await berth.spawn(['-f', berth.file, '--progress', 'quiet', 'run', '--rm', '--no-interactive', 'app', 'sh', '-c', 'cat; echo after'], { input: 'ignored\n' });
  t.is(closed.code, 0, closed.stderr);
  t.is(closed.stdout, 'after\n');

  // --rm removed both.
  const runtime = new ContainerRuntime(berth.paths);
  t.teardown(() => runtime.close());
  t.deepEqual((await runtime.list()).filter((status) => status.record.name.includes('-run-')), []);
});

test('run gives the container a terminal of berth’s size when berth runs in one; -T takes it away', async (t) => {
  const berth = await commandsFixture(t, compose.replace('cc-run', 'cc-run-tty').replace('10.240.51.', '10.240.52.'), 'cc-run-tty');
  const inTerminal = (args: string[]) =>
    berth.spawn(args, { wrap: (command) => ['script', '-qefc', `stty rows 33 cols 101; ${command.map((word) => `'${word}'`).join(' ')}`, '/dev/null'] });
  const tty = await inTerminal(['-f', berth.file, '--progress', 'quiet', 'run', '--rm', 'app', 'sh', '-c', 'tty; stty size; test -t 0 && exit 7']);
  t.is(tty.code, 7, tty.stdout + tty.stderr);
  t.regex(tty.stdout, /\/dev\/pts\/\d+/);
  t.regex(tty.stdout, /33 101/);
  const noTty = await inTerminal(['-f', berth.file, '--progress', 'quiet', 'run', '--rm', '-T', 'app', 'sh', '-c', 'test -t 0 || echo no terminal']);
  t.is(noTty.code, 0, noTty.stdout + noTty.stderr);
  t.regex(noTty.stdout, /no terminal/);
});
