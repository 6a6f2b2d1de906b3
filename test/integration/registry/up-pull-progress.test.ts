// `up` of a service whose image is only in a registry: the engine pulls it, and the progress it
// streams says how far the pull is ("Pulling 42 % of 31 MB" in the display).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Engine } from '../../../src/engine/engine.js';
import type { ProgressSnapshot } from '../../../src/engine/request-outcome.js';
import { loadProject } from '../../../src/spec/load-project.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { startRegistry } from '../../helpers/registry-server.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { pushBusyboxWithSkopeo, tempDir } from './registry-fixtures.js';

test('up pulls a missing image and streams its bytes done and total while the pull runs', async (t) => {
  const registry = await startRegistry(t);
  const reference = `${registry.host}/library/busybox:1.0`;
  await pushBusyboxWithSkopeo(t, reference);
  const paths = await tempStatePaths(t, 'berth-up-pull');
  const env = { HOME: '/nonexistent', DOCKER_CONFIG: tempDir(t, 'docker-config'), BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '' };
  const dir = tempDir(t, 'up-pull');
  writeFileSync(
    path.join(dir, 'compose.yaml'),
    `name: up-pull\nservices:\n  app:\n    image: ${reference}\n    init: true\n    command: ["sleep", "300"]\nnetworks:\n  default:\n    ipam:\n      config: [{ subnet: 10.240.53.0/24 }]\n`,
  );
  const { project } = await loadProject({ cwd: dir, env });
  const engine = await Engine.open(paths, { env });
  t.teardown(async () => {
    await engine.down(project, { volumes: true, stopTimeoutMs: 0 }).catch(() => undefined);
    await engine.close();
  });

  const snapshots: ProgressSnapshot[] = [];
  const outcome = await engine.up(project, {}, { onState: (snapshot) => snapshots.push(snapshot) });
  t.true(outcome.ok, JSON.stringify(outcome));
  const figures = snapshots.flatMap((snapshot) => {
    const activity = snapshot.images?.[reference];
    return activity?.kind === 'pull' ? [activity] : [];
  });
  t.true(figures.length > 0, 'a snapshot carried the pull figures');
  for (const figure of figures) {
    t.true(figure.total > 0);
    t.true(figure.done >= 0 && figure.done <= figure.total);
  }
  // Once pulled, the figure is gone and the image counts as pulled.
  const last = snapshots.at(-1);
  t.is(last?.images, undefined);
  t.true(last?.observed.refreshedImages.includes(reference));

  await engine.down(project, { volumes: true, stopTimeoutMs: 0 });
  t.deepEqual(await hostLinksMatching(['10.240.53.']), []);
});
