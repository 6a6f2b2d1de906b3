// `berth volume create|ls|inspect|rm|prune` on a real store, with a container holding one of the volumes.
import test from 'ava';
import { cliFixture } from '../../helpers/cli-fixture.js';

test('volume commands: create, ls, inspect; rm and prune keep a volume a container uses', async (t) => {
  const { run } = await cliFixture(t, `
name: vol-cli
services:
  app:
    image: busybox
    command: ["sleep", "3600"]
    volumes: ["data:/data"]
volumes:
  data: {}
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.55.0/24 }]
`, 'berth-vol-cli');
  t.is((await run('up', '-d')).code, 0);
  t.is((await run('volume', 'create', '--label', 'team=qa', 'vol-cli-spare')).stdout, 'vol-cli-spare\n');
  t.is((await run('volume', 'create', 'vol-cli-other')).code, 0);

  const listed = await run('volume', 'ls', '-q');
  t.deepEqual(listed.stdout.trim().split('\n'), ['vol-cli_data', 'vol-cli-other', 'vol-cli-spare']);
  t.deepEqual((await run('volume', 'ls', '-q', '--filter', 'label=team=qa')).stdout, 'vol-cli-spare\n');
  const [inspected] = JSON.parse((await run('volume', 'inspect', 'vol-cli_data')).stdout) as { Name: string; Driver: string; Labels: Record<string, string>; Mountpoint: string }[];
  t.like(inspected, { Name: 'vol-cli_data', Driver: 'local', Labels: { 'com.docker.compose.project': 'vol-cli', 'com.docker.compose.volume': 'data' } });
  t.regex(inspected?.Mountpoint ?? '', /\/volumes\/vol-cli_data\/_data$/);

  const inUse = await run('volume', 'rm', 'vol-cli_data');
  t.is(inUse.code, 1);
  t.regex(inUse.stderr, /^error: volume vol-cli_data is in use\n {2}hint: /);
  const missing = await run('volume', 'rm', 'vol-cli-nosuch');
  t.regex(missing.stderr, /^error: no such volume: vol-cli-nosuch\n {2}hint: berth volume ls/);
  t.is((await run('volume', 'rm', '-f', 'vol-cli-nosuch')).code, 0);
  t.is((await run('volume', 'rm', 'vol-cli-other')).stdout, 'vol-cli-other\n');

  // prune removes what no container uses: the spare one, not the stack's.
  t.is((await run('volume', 'prune', '-f')).stdout, 'Deleted Volumes:\nvol-cli-spare\n');
  t.is((await run('volume', 'ls', '-q')).stdout, 'vol-cli_data\n');
});
