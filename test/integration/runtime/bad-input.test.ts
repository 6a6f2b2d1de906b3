import { readdir } from 'node:fs/promises';
import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { ContainerCommandError } from '../../../src/runtime/create-errors.js';
import { assertNothingLeft, newContainerId, runtimeFixture } from './runtime-fixture.js';

const cases: { name: string; service: Parameters<Awaited<ReturnType<typeof runtimeFixture>>['create']>[0]; message: RegExp }[] = [
  { name: 'an unknown user', service: { user: 'ghost', command: ['true'] }, message: /unable to find user ghost/ },
  { name: 'a ulimit above the hard limit', service: { ulimits: { nofile: { soft: 10, hard: 100_000_000 } }, command: ['true'] }, message: /above this host's limit/ },
  { name: 'a missing device', service: { devices: [{ source: '/dev/no-such-device', target: '/dev/x', permissions: 'rwm' }], command: ['true'] }, message: /device \/dev\/no-such-device does not exist/ },
  { name: 'a missing bind source with create_host_path false', service: { volumes: [{ type: 'bind', source: '/tmp/berth-missing-source-xyz', target: '/data', bind: { create_host_path: false } }], command: ['true'] }, message: /bind source path does not exist/ },
  { name: 'an undefined named volume', service: { volumes: [{ type: 'volume', source: 'nope', target: '/data' }], command: ['true'] }, message: /undefined volume nope/ },
];

for (const { name, service, message } of cases) {
  test(`${name} is a clear user error and leaves nothing`, async (t) => {
    const f = await runtimeFixture(t);
    const id = newContainerId();
    const error = await t.throwsAsync(f.create(service, { id }), { instanceOf: UserError });
    t.regex(error?.message ?? '', message);
    await assertNothingLeft(t, f.runtime, id);
    t.deepEqual(await readdir(f.runtime.dirs.runcRoot).catch(() => []), []);
  });
}

test('a command not in the image fails like Docker (exit code 127) and leaves nothing', async (t) => {
  const f = await runtimeFixture(t);
  const id = newContainerId();
  const error = await t.throwsAsync(f.create({ command: ['no-such-binary', 'x'] }, { id }), { instanceOf: ContainerCommandError });
  t.is(error?.exitCode, 127);
  t.regex(error?.message ?? '', /exec: "no-such-binary": executable file not found in \$PATH/);
  await assertNothingLeft(t, f.runtime, id);
});

test('a command that is not executable fails with 126', async (t) => {
  const f = await runtimeFixture(t);
  const id = newContainerId();
  const error = await t.throwsAsync(f.create({ command: ['/etc/passwd'] }, { id }), { instanceOf: ContainerCommandError });
  t.is(error?.exitCode, 126);
  await assertNothingLeft(t, f.runtime, id);
});

test('exec, stop and delete of a missing container are clear errors', async (t) => {
  const f = await runtimeFixture(t);
  await t.throwsAsync(execInContainer(f.runtime, 'ghost', { args: ['true'] }), { instanceOf: UserError, message: /no such container: ghost/ });
  await t.throwsAsync(f.runtime.stop('ghost'), { instanceOf: UserError, message: /no such container/ });
  await t.throwsAsync(f.runtime.delete('ghost'), { instanceOf: UserError, message: /no such container/ });
});
