// What exists of a project when a session begins: its containers (records, runtime state, health), networks, volumes, images.
import type { ContainerStatus as ObservedStatus, DesiredState, ObservedContainer, ObservedState } from '../plan/plan-types.js';
import { EMPTY_OBSERVED } from '../reconcile/loop-state.js';
import type { ContainerStatus } from '../runtime/container-runtime.js';
import { LABEL, identityFromLabels } from './compose-labels.js';
import { ContainerIndex, type IndexedContainer } from './container-index.js';
import { removeUnfinishedContainer } from './container-lifecycle.js';
import type { EngineDrivers } from './engine-drivers.js';
import { readEngineRecord } from './engine-record.js';
import { readHealthRecord } from './health-record.js';

export interface ProjectObservation {
  readonly observed: ObservedState;
  readonly index: ContainerIndex;
  /** Runtime status of each indexed container, by name (running ones are adopted: names, probes). */
  readonly statuses: ReadonlyMap<string, ContainerStatus>;
}

/** The project's containers in the runtime (one-off `run` containers excluded). */
export async function projectContainers(drivers: EngineDrivers, project: string): Promise<{ container: IndexedContainer; status: ContainerStatus }[]> {
  const statuses = await drivers.runtime.list();
  return statuses.flatMap((status) => {
    const identity = identityFromLabels(status.record.labels);
    if (!identity || identity.project !== project || identity.oneoff) return [];
    return [{ container: { id: status.record.id, name: status.record.name, identity }, status }];
  });
}

export async function observeProject(drivers: EngineDrivers, desired: DesiredState): Promise<ProjectObservation> {
  const all = await projectContainers(drivers, desired.project);
  // A record without a live or exited container (its engine died inside `create`) cannot be started: it goes, and is made again.
  // So is one that was created but lost its monitor: nobody would report its exit.
  const isBroken = async ({ status, container }: (typeof all)[number]): Promise<boolean> =>
    status.state === 'unknown' || (status.state === 'created' && !(await drivers.runtime.monitorRunning(container.id)));
  const brokenFlags = await Promise.all(all.map(isBroken));
  for (const [i, { container }] of all.entries()) if (brokenFlags[i]) await removeUnfinishedContainer({ drivers }, container.id);
  const found = all.filter((_, i) => !brokenFlags[i]);
  const containers = await Promise.all(found.map(({ container, status }) => observedContainer(drivers, container, status)));
  const networkNames = new Set((await drivers.networks.listNetworks()).map((record) => record.name));
  const volumes = await Promise.all(desired.volumes.map(async (name) => ((await drivers.volumes.inspect(name)) ? name : undefined)));
  return {
    observed: {
      ...EMPTY_OBSERVED,
      networks: desired.networks.filter((name) => networkNames.has(name)),
      volumes: volumes.filter((name): name is string => name !== undefined),
      ...(await presentImageState(drivers, desired)),
      containers,
    },
    index: new ContainerIndex(found.map(({ container }) => container)),
    statuses: new Map(found.map(({ container, status }) => [container.name, status])),
  };
}

/** The desired images the store already holds, under the names the services use. */
export async function presentImages(drivers: EngineDrivers, desired: DesiredState): Promise<{ image: string; id: string }[]> {
  const images = [...new Set(desired.services.map((service) => service.image))];
  const present = await Promise.all(
    images.map(async (image) => {
      const record = await drivers.images.find(image).catch(() => undefined);
      return record ? { image, id: record.id } : undefined;
    }),
  );
  return present.filter((found): found is { image: string; id: string } => found !== undefined);
}

async function presentImageState(drivers: EngineDrivers, desired: DesiredState): Promise<Pick<ObservedState, 'images' | 'imageIds'>> {
  const present = await presentImages(drivers, desired);
  return { images: present.map(({ image }) => image), imageIds: Object.fromEntries(present.map(({ image, id }) => [image, id])) };
}

async function observedContainer(drivers: EngineDrivers, container: IndexedContainer, status: ContainerStatus): Promise<ObservedContainer> {
  const dir = drivers.runtime.files(container.id).dir;
  const [engineRecord, health] = await Promise.all([readEngineRecord(dir), readHealthRecord(dir)]);
  const { record } = status;
  const running = status.state === 'running' || status.state === 'paused';
  return {
    name: container.name,
    service: container.identity.service,
    number: container.identity.number,
    configHash: container.identity.configHash,
    imageId: record.labels[LABEL.image],
    status: observedStatus(status.state),
    exitCode: status.exitCode,
    oomKilled: status.oomKilled,
    // A running container keeps the health it had; probes start again and update it.
    health: running ? health?.status : undefined,
    startedAt: record.startedAt !== undefined ? Date.parse(record.startedAt) : undefined,
    finishedAt: status.finishedAt,
    restartCount: engineRecord.restartCount,
    lastBackoffMs: engineRecord.lastBackoffMs,
    stoppedByUser: record.stopRequested === true,
    ...(record.stoppedBy !== undefined ? { stoppedBy: record.stoppedBy } : {}),
  };
}

function observedStatus(state: ContainerStatus['state']): ObservedStatus {
  return state === 'unknown' ? 'dead' : state;
}
