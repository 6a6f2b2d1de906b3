import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import test from 'ava';
import type { ContainerEvent } from '../../../src/engine/container-events.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

const berth = path.resolve('bin/berth.js');

test('berth events --json streams what happens to the containers, with compose field names, until interrupted', async (t) => {
  const { dir, file, env, run } = await cliFixture(t, `
name: eng-events
services:
  db:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_interval: 100ms
      start_period: 5s
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.26.0/24 }]
`, 'berth-events');
  t.is((await run('up', '-d')).code, 0);
  const child = spawn(process.execPath, [berth, '-f', file, 'events', '--json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const events = (): ContainerEvent[] => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ContainerEvent);

  // The stream starts when the child has subscribed: pause and unpause until it reports them.
  for (let tries = 0; !events().some((e) => e.action === 'pause'); tries += 1) {
    if (tries > 40) throw new Error(`events never reported a pause: ${stdout} ${stderr}`);
    await run('pause', 'db');
    await run('unpause', 'db');
    await delay(250);
  }
  const from = events().length;
  const restarted = await run('restart', '-t', '0');
  t.is(restarted.code, 0, restarted.stderr);
  for (let waited = 0; !events().slice(from).some((e) => e.action === 'health_status: healthy') && waited < 10_000; waited += 100) await delay(100);
  t.is((await run('stop', '-t', '0')).code, 0);
  t.is((await run('rm', '-f')).code, 0);
  for (let waited = 0; !events().some((e) => e.action === 'destroy') && waited < 10_000; waited += 100) await delay(100);
  child.kill('SIGINT');
  t.is(await exited, 0, stderr);

  const seen = events().slice(from).map((e) => e.action);
  t.deepEqual(seen, ['die', 'restart', 'health_status: healthy', 'die', 'destroy']);
  t.like(events().at(-1), { type: 'container', id: 'eng-events-db-1', service: 'db', attributes: { name: 'eng-events-db-1', project: 'eng-events' } });
});
