// An engine killed halfway through removing a container leaves its pieces without a record: the next
// engine finds them by id (netns, rootfs, record directory, bundle) and removes them.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { Engine } from '../../src/engine/engine.js';
import { loadImages } from '../../src/image/archive-import.js';
import { loadProject } from '../../src/spec/load-project.js';
import { hostLinksMatching } from '../helpers/netns.js';
import { tempStatePaths } from '../helpers/temp-state.js';
import { buildBusyboxDockerArchive } from '../helpers/test-image.js';
import { leftoversOf } from './leftovers.js';

test('the pieces of a container whose record is gone are removed when the next engine opens', async (t) => {
  const paths = await tempStatePaths(t, 'rs-orphan');
  const env = { BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '' };
  const dir = path.join(paths.root, '..', 'project');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'compose.yaml'), 'name: rs-orphan\nservices:\n  app:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\nnetworks:\n  default:\n    ipam:\n      config: [{ subnet: 10.240.175.0/24 }]\n');
  const { project } = await loadProject({ cwd: dir, env: {} });
  let engine = await Engine.open(paths, { env });
  t.teardown(async () => {
    await engine.down(project, { volumes: true, stopTimeoutMs: 0 }).catch(() => undefined);
    await engine.close();
  });
  const archive = path.join(dir, 'busybox.tar');
  buildBusyboxDockerArchive(archive);
  await loadImages(engine.drivers.images, archive);
  t.true((await engine.up(project)).ok);
  const [app] = await engine.drivers.runtime.list();
  const id = app?.record.id ?? '';
  // A removal cut short: stopped, and the record gone with the rest still there.
  await engine.drivers.runtime.stop(id, { timeoutMs: 0 });
  await engine.close();
  await rm(engine.drivers.runtime.files(id).record);
  t.true((await leftoversOf({ paths })).some((line) => line.includes(id)), 'the pieces are there before');

  engine = await Engine.open(paths, { env });
  t.deepEqual((await leftoversOf({ paths })).filter((line) => line.includes(id)), []);
  await engine.down(project, { volumes: true, stopTimeoutMs: 0 });
  t.deepEqual(await leftoversOf({ paths, subnetPrefixes: ['10.240.175.'], projects: ['rs-orphan'] }), []);
  t.deepEqual(await hostLinksMatching(['10.240.175.']), []);
});
