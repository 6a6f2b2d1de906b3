// `down` when the compose file no longer loads: with -p the project is taken down by its labels.
import { writeFile } from 'node:fs/promises';
import test from 'ava';
import { listProjectContainers } from '../../../src/engine/project-containers.js';
import { NetworkStore } from '../../../src/network/network-store.js';
import { VolumeStore } from '../../../src/volume/volume-store.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

test('a compose file broken after up: down -p NAME still removes containers, network and (with -v) volumes, with a warning', async (t) => {
  const { run, file, paths } = await cliFixture(t, `
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
      config: [{ subnet: 10.240.56.0/24 }]
`, 'berth-down-name');
  t.is((await run('-p', 'eng-down-name', 'up', '-d')).code, 0);
  await writeFile(file, 'services:\n  app:\n\timage: busybox\n');

  // Without a name the load error stands, and nothing is touched.
  const refused = await run('down');
  t.is(refused.code, 15);
  t.is((await listProjectContainers(paths, { project: 'eng-down-name' })).length, 1);

  const down = await run('-p', 'eng-down-name', 'down', '-v', '-t', '0');
  t.is(down.code, 0, down.stderr);
  t.regex(down.stderr, /warning: the compose files do not load; taking down project eng-down-name by its labels/);
  t.deepEqual(await listProjectContainers(paths, { project: 'eng-down-name' }), []);
  t.deepEqual((await new NetworkStore(paths).list()).map((network) => network.name), []);
  t.deepEqual((await new VolumeStore(paths).list()).map((volume) => volume.name), []);
});
