import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { removeStoppedRuncState } from '../../../src/runtime/stopped-runc-state.js';
import { assertNothingLeft, runtimeFixture } from './runtime-fixture.js';

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

async function cgroupsOf(runcRoot: string, id: string): Promise<string[]> {
  const state = JSON.parse(await readFile(path.join(runcRoot, id, 'state.json'), 'utf8')) as { cgroup_paths: Record<string, string> };
  return Object.values(state.cgroup_paths);
}

test('a stopped container: its cgroups and runc state are removed without runc, and delete then finds nothing left', async (t) => {
  const f = await runtimeFixture(t);
  const id = await f.run({ command: ['sh', '-c', 'exit 3'] });
  t.is((await f.runtime.wait(id, 20_000))?.exitCode, 3);
  const root = f.runtime.runc.root;
  const cgroups = await cgroupsOf(root, id);
  t.true(cgroups.length > 0);
  t.true(await exists(cgroups[0] ?? ''));

  t.true(await removeStoppedRuncState(root, id));
  t.false(await exists(path.join(root, id)));
  for (const cgroup of cgroups) t.false(await exists(cgroup), cgroup);
  t.is(await f.runtime.runc.state(id), undefined);
  // Gone already: answered without runc.
  t.true(await removeStoppedRuncState(root, id));
  await f.runtime.delete(id);
  await assertNothingLeft(t, f.runtime, id);
});

test('runc keeps the work when the init still runs or the container shares another pid namespace', async (t) => {
  const f = await runtimeFixture(t);
  const root = f.runtime.runc.root;
  const running = await f.run({ init: true, command: ['sleep', '300'] });
  t.false(await removeStoppedRuncState(root, running));
  t.true(await exists(path.join(root, running, 'state.json')));

  // Its processes outlive its init in the other container's namespace: runc must kill them on delete.
  const pid = (await f.runtime.inspect(running))?.pid;
  t.truthy(pid);
  const joined = await f.run({ command: ['sh', '-c', 'exit 0'] }, { joinNamespaces: { pid: `/proc/${pid}/ns/pid` } });
  t.is((await f.runtime.wait(joined, 20_000))?.exitCode, 0);
  t.false(await removeStoppedRuncState(root, joined));
  t.true(await exists(path.join(root, joined, 'state.json')));
  await f.runtime.delete(joined);
  await assertNothingLeft(t, f.runtime, joined);
});
