// A project known only by its name: what `down` takes away when the compose files no longer load.
import { LABEL } from '../engine/compose-labels.js';
import { NetworkStore } from '../network/network-store.js';
import { type Project, projectMeta } from '../spec/model.js';
import type { StatePaths } from '../state/paths.js';
import { VolumeStore } from '../volume/volume-store.js';

/**
 * The project `name` as berth made it, read from its labels: no services (so every container of
 * the project is an orphan, removed by `down --remove-orphans`), and the networks and volumes that
 * carry its label, under their full names (so `down` removes them as if the file declared them).
 */
export async function projectByName(name: string, paths: StatePaths, workingDir: string): Promise<Project> {
  const [networks, volumes] = await Promise.all([new NetworkStore(paths).list(), new VolumeStore(paths).list({ labels: { [LABEL.project]: name } })]);
  const own = networks.filter((network) => network.labels[LABEL.project] === name);
  return {
    name,
    services: {},
    networks: Object.fromEntries(own.map((network) => [network.name, { name: network.name }])),
    volumes: Object.fromEntries(volumes.map((volume) => [volume.name, { name: volume.name }])),
    secrets: {},
    configs: {},
    [projectMeta]: { workingDir },
  };
}
