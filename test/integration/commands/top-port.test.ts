import test from 'ava';
import { commandsFixture } from './commands-fixture.js';

const compose = `
name: cc-topport
services:
  web:
    image: busybox
    init: true
    command: ["sh", "-c", "sleep 3600 & sleep 3601; exit 0"]
    deploy: { replicas: 2 }
    ports:
      - target: 80
        host_ip: 127.0.0.1
      - "127.0.0.1::53/udp"
    expose: ["90"]
  plain:
    image: busybox
    command: ["sleep", "3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.42.0/24 }]
`;

/** A table's rows as arrays of cells (columns are separated by two or more spaces; CMD may hold single ones). */
function cells(table: string): string[][] {
  return table.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
}

test('top lists each running container\'s processes with ps -ef columns, SERVICE and replica first', async (t) => {
  const berth = await commandsFixture(t, compose, 'cc-top');
  const up = await berth.run('up', '-d');
  t.is(up.code, 0, up.stderr);

  const top = await berth.run('top');
  t.is(top.code, 0, top.stderr);
  const [header, ...rows] = cells(top.stdout);
  t.deepEqual(header, ['SERVICE', '#', 'UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  // Containers by name: plain-1, web-1, web-2; each web has tini, sh and two sleeps.
  t.deepEqual(rows.map((row) => `${row[0]} ${row[1]}`), ['plain 1', ...Array(4).fill('web 1'), ...Array(4).fill('web 2')]);
  const web1 = rows.filter((row) => row[0] === 'web' && row[1] === '1');
  t.deepEqual(web1.map((row) => row[9]), ['/sbin/docker-init -- sh -c sleep 3600 & sleep 3601; exit 0', 'sh -c sleep 3600 & sleep 3601; exit 0', 'sleep 3600', 'sleep 3601']);
  for (const row of rows) {
    t.is(row.length, 10, row.join('|'));
    t.is(row[2], 'root');
    t.regex(row[6] ?? '', /^\d\d:\d\d$|^[A-Z][a-z]{2}\d\d$/);
    t.is(row[7], '?');
    t.regex(row[8] ?? '', /^\d\d:\d\d:\d\d$/);
  }
  // Host pids: the init's parent is outside the container, the others are its children.
  const [init, shell] = web1;
  t.is(shell?.[4], init?.[3]);

  // Exec'd processes are in the container's cgroup too.
  const exec = await berth.run('exec', '-d', 'plain', 'sleep', '3602');
  t.is(exec.code, 0, exec.stderr);
  const plainOnly = await berth.run('top', 'plain');
  t.deepEqual(cells(plainOnly.stdout).slice(1).map((row) => row[9]), ['sleep 3600', 'sleep 3602']);

  const unknown = await berth.run('top', 'nope');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /no such service: nope/);

  const stopped = await berth.run('stop', '-t', '0', 'plain');
  t.is(stopped.code, 0, stopped.stderr);
  const none = await berth.run('top', 'plain');
  t.is(none.code, 0);
  t.is(none.stdout, '');
});

test('port prints the host address of a published port, per replica and protocol; unpublished ports as compose does', async (t) => {
  const berth = await commandsFixture(t, compose.replace('cc-topport', 'cc-port').replace('10.240.42.0', '10.240.43.0'), 'cc-port');
  const up = await berth.run('up', '-d', 'web');
  t.is(up.code, 0, up.stderr);

  const first = await berth.run('port', 'web', '80');
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /^127\.0\.0\.1:\d+\n$/);
  const second = await berth.run('port', '--index', '2', 'web', '80');
  t.regex(second.stdout, /^127\.0\.0\.1:\d+\n$/);
  t.not(first.stdout, second.stdout);
  const firstAgain = await berth.bare('-p', 'cc-port', 'port', '--index', '1', 'web', '80');
  t.is(firstAgain.stdout, first.stdout);

  const udp = await berth.run('port', '--protocol', 'udp', 'web', '53');
  t.regex(udp.stdout, /^127\.0\.0\.1:\d+\n$/);
  const tcp53 = await berth.run('port', 'web', '53');
  t.is(tcp53.code, 1);
  t.regex(tcp53.stderr, /error: no port 53\/tcp for container cc-port-web-1\n {2}hint: its ports: 53\/udp -> 127\.0\.0\.1:\d+, 80\/tcp -> 127\.0\.0\.1:\d+, 90\/tcp \(not published\)/);

  // compose prints an exposed-only port as ":0".
  const exposed = await berth.run('port', 'web', '90');
  t.is(exposed.stdout, ':0\n');

  const all = await berth.run('port', 'web');
  t.regex(all.stdout, /^53\/udp -> 127\.0\.0\.1:\d+\n80\/tcp -> 127\.0\.0\.1:\d+\n$/);
  const [, published] = /:(\d+)\n$/.exec(first.stdout) ?? [];
  t.true(all.stdout.includes(`80/tcp -> 127.0.0.1:${published}\n`));

  const badPort = await berth.run('port', 'web', 'http');
  t.is(badPort.code, 1);
  t.regex(badPort.stderr, /expected a port number from 1 to 65535, found "http"/);
  const noReplica = await berth.run('port', '--index', '5', 'web', '80');
  t.regex(noReplica.stderr, /service "web" is not running container #5/);
  const notUp = await berth.run('port', 'plain', '80');
  t.is(notUp.code, 1);
  t.regex(notUp.stderr, /service "plain" is not running\n {2}hint: it has no containers/);
});
