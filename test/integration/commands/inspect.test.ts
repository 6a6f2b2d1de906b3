import test from 'ava';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { commandsFixture } from './commands-fixture.js';

const compose = `
name: cc-inspect
services:
  db:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    volumes: [data:/data]
    environment: { ROLE: db }
    healthcheck:
      # 5000 bytes of output: what is kept of each probe is capped at 4 KiB.
      test: ["CMD-SHELL", "yes x | head -c 5000"]
      interval: 100ms
  web:
    image: busybox
    command: ["sleep", "3600"]
    ports: ["127.0.0.1::80"]
    networks:
      default:
        aliases: [www]
volumes:
  data:
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.44.0/24 }]
`;

interface Inspected {
  Id: string;
  Name: string;
  Path: string;
  Args: string[];
  Image: string;
  RestartCount: number;
  State: {
    Status: string;
    Running: boolean;
    Pid: number;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] };
  };
  Config: { Image: string; Env: string[]; Cmd: string[]; Labels: Record<string, string>; ExposedPorts?: Record<string, object> };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null>; Networks: Record<string, { IPAddress: string; MacAddress: string; Aliases: string[]; Gateway: string; IPPrefixLen: number }> };
  Mounts: { Type: string; Name?: string; Destination: string; RW: boolean }[];
}

test('inspect shows containers as docker inspect does: state with health and its last probes, config, networks, ports, mounts', async (t) => {
  const berth = await commandsFixture(t, compose, 'cc-inspect');
  const up = await berth.run('up', '--wait');
  t.is(up.code, 0, up.stderr);

  const result = await berth.run('inspect', 'db', 'web');
  t.is(result.code, 0, result.stderr);
  // docker's indentation: four spaces.
  t.true(result.stdout.startsWith('[\n    {\n        "Id": "'));
  const [db, web] = JSON.parse(result.stdout) as Inspected[];
  if (!db || !web) return t.fail('two containers expected');
  t.is(db.Name, '/cc-inspect-db-1');
  t.is(db.State.Status, 'running');
  t.true(db.State.Running);
  t.true(db.State.Pid > 0);
  t.is(db.State.FinishedAt, '0001-01-01T00:00:00Z');
  t.is(db.Path, 'sleep');
  t.deepEqual(db.Args, ['3600']);
  t.regex(db.Image, /^sha256:[0-9a-f]{64}$/);
  t.is(db.Config.Image, 'busybox');
  t.true(db.Config.Env.includes('ROLE=db'));
  t.is(db.Config.Labels['com.docker.compose.service'], 'db');

  const health = db.State.Health;
  if (!health) return t.fail('db has a healthcheck');
  t.is(health.Status, 'healthy');
  t.is(health.FailingStreak, 0);
  t.true(health.Log.length >= 1 && health.Log.length <= 5);
  for (const probe of health.Log) {
    t.is(probe.ExitCode, 0);
    t.is(probe.Output.length, 4096);
    t.regex(probe.Output, /^(x\n)+/);
    t.true(Date.parse(probe.End) >= Date.parse(probe.Start));
  }
  t.is(web.State.Health, undefined);

  const network = db.NetworkSettings.Networks['cc-inspect_default'];
  t.regex(network?.IPAddress ?? '', /^10\.240\.44\.\d+$/);
  t.is(network?.Gateway, '10.240.44.1');
  t.is(network?.IPPrefixLen, 24);
  t.regex(network?.MacAddress ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  t.deepEqual(network?.Aliases, ['cc-inspect-db-1', 'db']);
  t.deepEqual(web.NetworkSettings.Networks['cc-inspect_default']?.Aliases, ['cc-inspect-web-1', 'web', 'www']);
  t.deepEqual(db.Mounts.map(({ Type, Name, Destination, RW }) => ({ Type, Name, Destination, RW })), [{ Type: 'volume', Name: 'cc-inspect_data', Destination: '/data', RW: true }]);
  const published = web.NetworkSettings.Ports['80/tcp'];
  t.is(published?.[0]?.HostIp, '127.0.0.1');
  t.regex(published?.[0]?.HostPort ?? '', /^\d+$/);
  t.deepEqual(web.Config.ExposedPorts, { '80/tcp': {} });
  const port = await berth.run('port', 'web', '80');
  t.is(port.stdout, `127.0.0.1:${published?.[0]?.HostPort ?? ''}\n`);

  // By container name or id prefix: no compose file needed.
  const byName = await berth.bare('inspect', 'cc-inspect-web-1', db.Id.slice(0, 10));
  t.is(byName.code, 0, byName.stderr);
  t.deepEqual((JSON.parse(byName.stdout) as Inspected[]).map((entry) => entry.Name), ['/cc-inspect-web-1', '/cc-inspect-db-1']);

  const template = await berth.run('inspect', '--format', '{{.Name}} {{.State.Health.Status}} {{index .Config.Labels "com.docker.compose.service"}} {{json .Args}}', 'db');
  t.is(template.stdout, '/cc-inspect-db-1 healthy db ["3600"]\n');
  const badTemplate = await berth.run('inspect', '--format', '{{range .Mounts}}{{end}}', 'db');
  t.is(badTemplate.code, 1);
  t.regex(badTemplate.stderr, /berth does not understand \{\{range \.Mounts\}\}/);

  // What is found is printed; a name that matches nothing makes the exit code 1.
  const partly = await berth.run('inspect', 'web', 'nothing-here');
  t.is(partly.code, 1);
  t.is((JSON.parse(partly.stdout) as Inspected[]).length, 1);
  t.regex(partly.stderr, /error: no such container or service: nothing-here/);

  // A stopped container: exited with its code and the time it finished.
  const runtime = new ContainerRuntime(berth.paths);
  t.teardown(() => runtime.close());
  process.kill(web.State.Pid, 'SIGKILL');
  await runtime.wait(web.Id, 10_000);
  const [killed] = JSON.parse((await berth.run('inspect', 'web')).stdout) as Inspected[];
  t.is(killed?.State.Status, 'exited');
  t.is(killed?.State.ExitCode, 137);
  t.is(killed?.State.Pid, 0);
  t.true(Date.parse(killed?.State.FinishedAt ?? '') >= Date.parse(killed?.State.StartedAt ?? ''));
});
