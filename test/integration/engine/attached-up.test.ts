import { spawn } from 'node:child_process';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

const berth = path.resolve('bin/berth.js');

async function attachedFixture(t: ExecutionContext, compose: string) {
  const { paths, dir, file, env } = await cliFixture(t, compose, 'berth-att');
  /** `berth up` attached, as a real process (it handles SIGINT itself). */
  const up = () => {
    const child = spawn(process.execPath, [berth, '-f', file, 'up'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    t.teardown(() => void child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const printed = async (pattern: RegExp, timeoutMs = 20_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in stdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    return { child, exited, printed, output: () => ({ stdout, stderr }) };
  };
  return { paths, up };
}

test('attached up prints every container\'s output with its name, and Ctrl-C stops the stack (exit 130)', async (t) => {
  const { paths, up } = await attachedFixture(t, `
name: eng-attached
services:
  talker:
    image: busybox
    init: true
    command: ["sh", "-c", "echo hello from talker; exec sleep 3600"]
  other:
    image: busybox
    init: true
    command: ["sh", "-c", "echo other says hi; exec sleep 3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.14.0/24 }]
`);
  const run = up();
  await run.printed(/talker-1 +\| hello from talker/);
  await run.printed(/other-1 +\| other says hi/);
  run.child.kill('SIGINT');
  t.is(await run.exited, 130);
  t.regex(run.output().stderr, /Gracefully stopping/);
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const states = (await runtime.list()).map((status) => status.state);
  t.deepEqual(states, ['exited', 'exited']);
});

test('attached up returns 0 once every container has exited by itself', async (t) => {
  const { up } = await attachedFixture(t, `
name: eng-attached-done
services:
  job:
    image: busybox
    command: ["sh", "-c", "echo job done"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.15.0/24 }]
`);
  const run = up();
  t.is(await run.exited, 0, run.output().stderr);
  t.regex(run.output().stdout, /job-1 +\| job done/);
});
