// One project container's steps over the drivers: create (rootfs, mounts, netns, bundle), start, stop, remove.
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
import { prepareRootfs, releaseRootfs } from '../image/rootfs.js';
import type { ObservedContainer } from '../plan/plan-types.js';
import { imageOf } from '../plan/desired-state.js';
import { healthSettings } from '../reconcile/health-settings.js';
import type { RuntimeMount } from '../runtime/oci-spec.js';
import type { ServiceConfig } from '../spec/model.js';
import { resolveServiceMounts } from '../volume/service-mounts.js';
import { LABEL, composeLabels, originLabels } from './compose-labels.js';
import { observedIdentity, type IndexedContainer } from './container-index.js';
import { attachContainerNetwork, detachContainerNetwork } from './container-network.js';
import { serviceFileMounts } from './service-files.js';
import { clearCreateIntent, recordCreateIntent } from './create-intents.js';
import { readEngineRecord, writeEngineRecord } from './engine-record.js';
import type { ProjectContext } from './project-context.js';

export interface CreateRequest {
  readonly service: string;
  readonly number: number;
  readonly name: string;
  readonly configHash: string;
  /** A `berth run` container: labelled one-off, no service aliases unless asked for. */
  readonly oneoff?: { readonly serviceAliases: boolean } | undefined;
}

function serviceConfig(context: ProjectContext, name: string): ServiceConfig {
  const service = context.project.services[name];
  if (!service) throw new UserError(`service ${name} is not in the project any more`, { hint: 'run `berth up --remove-orphans` to remove its containers' });
  return service;
}

/** Create the container, everything it needs first; on failure each step made is undone. */
export async function createContainer(context: ProjectContext, request: CreateRequest): Promise<ObservedContainer> {
  const { drivers, project } = context;
  const service = serviceConfig(context, request.service);
  const reference = imageOf(project.name, request.service, service);
  const image = await drivers.images.get(reference);
  const id = randomBytes(32).toString('hex');
  const undo: (() => Promise<unknown>)[] = [() => clearCreateIntent(drivers.paths, id)];
  try {
    await recordCreateIntent(drivers.paths, { id, name: request.name, pid: process.pid });
    const rootfs = await prepareRootfs(drivers.images, drivers.paths, id, image);
    undo.push(() => releaseRootfs(drivers.paths, id));
    const { mounts } = await resolveServiceMounts(service, {
      project: project.name,
      volumes: project.volumes,
      store: drivers.volumes,
      rootfs: rootfs.rootfs,
      volumesFrom: await volumesFromMounts(context, request.service, service),
    });
    const network = await attachContainerNetwork(drivers, {
      id,
      name: request.name,
      serviceName: request.service,
      service,
      project,
      serviceAliases: request.oneoff?.serviceAliases ?? true,
      netnsOf: (target) => netnsOf(context, target),
    });
    undo.push(() => detachContainerNetwork(drivers, id));
    // After the network: its teardown removes the volatile directory a config's content is written to.
    mounts.push(...(await serviceFileMounts(project, request.service, service, drivers.paths.run, id)));
    const identity = { project: project.name, service: request.service, number: request.number, configHash: request.configHash, oneoff: request.oneoff !== undefined };
    await drivers.runtime.create({
      id,
      name: request.name,
      service,
      image: { reference, config: image.config.config ?? {} },
      rootfs: rootfs.rootfs,
      netnsPath: network.netnsPath,
      joinNamespaces: await sharedNamespaces(context, request.service, service),
      mounts,
      etcFiles: network.etcFiles,
      labels: composeLabels(identity, {
        ...originLabels(project),
        [LABEL.image]: image.id,
        [LABEL.version]: 'berth',
      }),
    });
    undo.push(() => drivers.runtime.delete(id, { force: true }));
    await writeEngineRecord(drivers.runtime.files(id).dir, { restartCount: 0, dnsEndpoints: network.dnsEndpoints });
    // From here the runtime's record names the container: removing it removes every piece.
    await clearCreateIntent(drivers.paths, id);
    context.index.add({ id, name: request.name, identity });
    return { name: request.name, service: request.service, number: request.number, configHash: request.configHash, imageId: image.id, status: 'created', restartCount: 0 };
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw error;
  }
}

/** `pid`/`ipc: service:x|container:x`: the namespace files of x's init process, which must exist (created or running). */
async function sharedNamespaces(context: ProjectContext, serviceName: string, service: ServiceConfig): Promise<{ pid?: string; ipc?: string }> {
  const paths: { pid?: string; ipc?: string } = {};
  for (const key of ['pid', 'ipc'] as const) {
    const mode = service[key];
    if (!mode?.startsWith('service:') && !mode?.startsWith('container:')) continue;
    const [kind, ...rest] = mode.split(':');
    const name = rest.join(':');
    const target = kind === 'service' ? context.index.firstOfService(name) : context.index.get(name);
    const status = target ? await context.drivers.runtime.inspect(target.id) : undefined;
    if (status?.pid === undefined) {
      throw new UserError(`${key}: ${mode}: that container is not running`, { keyPath: `services.${serviceName}.${key}`, hint: 'it must be created first; depends_on orders this' });
    }
    paths[key] = `/proc/${status.pid}/ns/${key}`;
  }
  return paths;
}

/** The mounts of the containers `volumes_from` names (`service`, `service:ro`, `container:name`), from their records. */
async function volumesFromMounts(context: ProjectContext, serviceName: string, service: ServiceConfig): Promise<{ mounts: RuntimeMount[]; readOnly: boolean }[]> {
  return Promise.all((service.volumes_from ?? []).map(async (entry) => {
    const parts = entry.split(':');
    const mode = parts[parts.length - 1];
    if (parts.length > 1 && (mode === 'ro' || mode === 'rw')) parts.pop();
    const isContainer = parts[0] === 'container' && parts.length > 1;
    const target = isContainer ? context.index.get(parts.slice(1).join(':')) : context.index.firstOfService(parts.join(':'));
    const status = target ? await context.drivers.runtime.inspect(target.id) : undefined;
    if (!status) throw new UserError(`volumes_from: no container for "${entry}"`, { keyPath: `services.${serviceName}.volumes_from`, hint: 'it must be created first' });
    return { mounts: status.record.mounts, readOnly: mode === 'ro' };
  }));
}

async function netnsOf(context: ProjectContext, target: { service: string } | { container: string }): Promise<string> {
  const found = 'service' in target ? context.index.firstOfService(target.service) : context.index.get(target.container);
  const label = 'service' in target ? `service:${target.service}` : `container:${target.container}`;
  const record = found ? await context.drivers.runtime.inspect(found.id) : undefined;
  if (!record?.record.netnsPath) {
    throw new UserError(`network_mode ${label}: that container has no network namespace`, { hint: 'it must be created first; depends_on orders this' });
  }
  return record.record.netnsPath;
}

/** Register its names, start it, start its probes. */
export async function startContainer(context: ProjectContext, container: IndexedContainer): Promise<ObservedContainer> {
  const { drivers } = context;
  const engineRecord = await readEngineRecord(drivers.runtime.files(container.id).dir);
  // Names resolve before the process starts: its first lookup must not fail.
  await context.dns.register(engineRecord.dnsEndpoints);
  // Taken before the start: an exit event at or after it belongs to this run (see keepExitSeenMeanwhile).
  const startedAt = Date.now();
  try {
    await drivers.runtime.start(container.id);
  } catch (error) {
    await context.dns.unregister(engineRecord.dnsEndpoints).catch(() => undefined);
    throw error;
  }
  const hasHealthcheck = await startProbes(context, container, startedAt);
  return {
    ...observedIdentity(container),
    status: 'running',
    startedAt,
    restartCount: engineRecord.restartCount,
    lastBackoffMs: engineRecord.lastBackoffMs,
    health: hasHealthcheck ? 'starting' : undefined,
  };
}

/** Start probing a running container; false when it has no healthcheck. */
export async function startProbes(context: ProjectContext, container: IndexedContainer, startedAt: number): Promise<boolean> {
  const service = context.project.services[container.identity.service];
  const image = service ? await context.drivers.images.find(imageOf(context.project.name, container.identity.service, service)) : undefined;
  const settings = healthSettings(service?.healthcheck, image?.config.config?.Healthcheck);
  if (!settings) return false;
  context.health.start(container.name, container.id, settings, startedAt);
  return true;
}

/** Stop it (stop signal, grace period, SIGKILL) and withdraw its names. */
export async function stopContainer(context: ProjectContext, container: IndexedContainer, byUser: boolean): Promise<ObservedContainer> {
  const { drivers } = context;
  context.health.stop(container.name);
  const engineRecord = await readEngineRecord(drivers.runtime.files(container.id).dir);
  const exit = await drivers.runtime.stop(container.id, stopOptions(context));
  await context.dns.unregister(engineRecord.dnsEndpoints);
  return {
    ...observedIdentity(container),
    status: 'exited',
    exitCode: exit?.exitCode,
    finishedAt: Date.now(),
    restartCount: engineRecord.restartCount,
    lastBackoffMs: engineRecord.lastBackoffMs,
    stoppedByUser: byUser,
    stoppedBy: 'stop',
  };
}

/** A policy or dependency restart: stop if still running, count it, start again. */
export async function restartContainer(context: ProjectContext, container: IndexedContainer, counted: boolean, backoffMs: number | undefined): Promise<ObservedContainer> {
  const status = await context.drivers.runtime.inspect(container.id);
  if (status && (status.state === 'running' || status.state === 'paused')) await stopContainer(context, container, false);
  const dir = context.drivers.runtime.files(container.id).dir;
  const engineRecord = await readEngineRecord(dir);
  await writeEngineRecord(dir, {
    ...engineRecord,
    restartCount: engineRecord.restartCount + (counted ? 1 : 0),
    lastBackoffMs: counted ? backoffMs : engineRecord.lastBackoffMs,
  });
  return startContainer(context, container);
}

/** Remove every trace of it: process (stopped gracefully first), names, then its pieces. All steps are tried. */
export async function removeContainer(context: ProjectContext, container: IndexedContainer): Promise<void> {
  const { drivers } = context;
  context.health.stop(container.name);
  const errors: Error[] = [];
  const engineRecord = await readEngineRecord(drivers.runtime.files(container.id).dir);
  await context.dns.unregister(engineRecord.dnsEndpoints).catch((error: unknown) => errors.push(asError(error)));
  const status = await drivers.runtime.inspect(container.id).catch(() => undefined);
  if (status?.state === 'running' || status?.state === 'paused') {
    await drivers.runtime.stop(container.id, stopOptions(context)).catch((error: unknown) => errors.push(asError(error)));
  }
  errors.push(...(await removeContainerPieces(context, container.id)));
  context.index.delete(container.name);
  if (errors.length > 0) throw new Error(`removing ${container.name}: ${errors.map((e) => e.message).join('; ')}`);
}

/** The pieces of a container whose creation never finished (its engine died); its intent goes once they are gone. */
export async function removeUnfinishedContainer(context: Pick<ProjectContext, 'drivers'>, id: string): Promise<Error[]> {
  const errors = await removeContainerPieces(context, id);
  if (errors.length === 0) await clearCreateIntent(context.drivers.paths, id);
  return errors;
}

/** Runtime state and bundle (killed if still there), netns, veths, ports, /etc files, rootfs: every step tried. */
async function removeContainerPieces({ drivers }: Pick<ProjectContext, 'drivers'>, id: string): Promise<Error[]> {
  const errors: Error[] = [];
  const status = await drivers.runtime.inspect(id).catch(() => undefined);
  if (status) await drivers.runtime.delete(id, { force: true }).catch((error: unknown) => errors.push(asError(error)));
  else await drivers.runtime.removeRemains(id).catch((error: unknown) => errors.push(asError(error)));
  errors.push(...(await detachContainerNetwork(drivers, id)));
  await releaseRootfs(drivers.paths, id).catch((error: unknown) => errors.push(asError(error)));
  return errors;
}

/** `-t` of the request, else each container's own stop_grace_period. */
function stopOptions(context: ProjectContext): { timeoutMs?: number } {
  return context.stopTimeoutMs !== undefined ? { timeoutMs: context.stopTimeoutMs } : {};
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
