// Reads what `inspect` shows of containers (record, live state, bundle, health, networks, image) from the state on disk.
import { readFile } from 'node:fs/promises';
import { openImageStore } from '../image/image-store.js';
import { NetworkStore, type NetworkRecord } from '../network/network-store.js';
import type { ContainerRuntime, ContainerStatus } from '../runtime/container-runtime.js';
import type { RuntimeSpec } from '../runtime/oci-spec.js';
import type { StatePaths } from '../state/paths.js';
import { VolumeStore } from '../volume/volume-store.js';
import { readEngineRecord } from './engine-record.js';
import { readHealthRecord } from './health-record.js';
import { type InspectFacts, inspectDocument } from './inspect-document.js';
import { publishersOf } from './project-containers.js';

async function readSpec(file: string): Promise<RuntimeSpec | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RuntimeSpec;
  } catch {
    return undefined;
  }
}

/** The facts of one container; `networks` is every network record (read once for many containers). */
export async function readInspectFacts(
  runtime: ContainerRuntime,
  status: ContainerStatus,
  networks: readonly NetworkRecord[],
  context: { volumesDir: string; imageId: (reference: string) => Promise<string | undefined> },
): Promise<InspectFacts> {
  const { id } = status.record;
  const files = runtime.files(id);
  const [spec, health, engineRecord, imageId] = await Promise.all([
    readSpec(files.configJson),
    readHealthRecord(files.dir),
    readEngineRecord(files.dir),
    context.imageId(status.record.image),
  ]);
  const dnsNames: Record<string, readonly string[]> = {};
  for (const endpoint of engineRecord.dnsEndpoints) dnsNames[endpoint.network] = endpoint.names;
  return {
    status,
    spec,
    health,
    restartCount: engineRecord.restartCount,
    imageId,
    logPath: files.log,
    networks: networks.filter((network) => network.endpoints[id] !== undefined),
    dnsNames,
    publishers: publishersOf(id, networks),
    volumesDir: context.volumesDir,
  };
}

/** `docker inspect`'s array for these containers, in the order given. */
export async function inspectContainers(paths: StatePaths, runtime: ContainerRuntime, statuses: readonly ContainerStatus[]): Promise<Record<string, unknown>[]> {
  if (statuses.length === 0) return [];
  const networks = await new NetworkStore(paths).list();
  const images = await openImageStore(paths).catch(() => undefined);
  const imageIds = new Map<string, Promise<string | undefined>>();
  const imageId = (reference: string): Promise<string | undefined> => {
    let found = imageIds.get(reference);
    if (!found) {
      found = images ? images.find(reference).then((image) => image?.id, () => undefined) : Promise.resolve(undefined);
      imageIds.set(reference, found);
    }
    return found;
  };
  const context = { volumesDir: new VolumeStore(paths).dir, imageId };
  const facts = await Promise.all(statuses.map((status) => readInspectFacts(runtime, status, networks, context)));
  return facts.map(inspectDocument);
}
