// The loop's executor for one project: each action done over the drivers, answered with what changed.
import { buildServiceImage } from '../build/service-build.js';
import { UserError } from '../errors.js';
import { parseImageReference } from '../image/reference.js';
import { pullImage } from '../image/registry/pull-image.js';
import type { Action } from '../plan/plan-types.js';
import type { ActionExecutor } from '../reconcile/reconcile-loop.js';
import type { ObservedChange } from '../reconcile/loop-state.js';
import { LABEL } from './compose-labels.js';
import { createContainer, removeContainer, restartContainer, startContainer, stopContainer } from './container-lifecycle.js';
import { networkRealName } from './container-network.js';
import type { ProjectContext } from './project-context.js';
import { trace } from './trace.js';

export class ProjectExecutor implements ActionExecutor {
  constructor(private readonly context: ProjectContext) {}

  async execute(action: Action): Promise<readonly ObservedChange[]> {
    trace(this.context.project.name, () => `start ${JSON.stringify(action)}`);
    const changes = await this.run(action).catch((error: unknown) => {
      trace(this.context.project.name, () => `failed ${action.kind}: ${String(error)}`);
      throw error;
    });
    trace(this.context.project.name, () => `done ${action.kind}: ${JSON.stringify(changes)}`);
    return changes;
  }

  private async run(action: Action): Promise<readonly ObservedChange[]> {
    const { context } = this;
    switch (action.kind) {
      case 'create-network':
        await this.createNetwork(action.network);
        return [{ kind: 'network', network: action.network, present: true }];
      case 'remove-network':
        await context.dns.stopServing(action.network);
        await context.drivers.networks.removeNetwork(action.network).catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        });
        return [{ kind: 'network', network: action.network, present: false }];
      case 'create-volume':
        await this.createVolume(action.volume);
        return [{ kind: 'volume', volume: action.volume, present: true }];
      case 'remove-volume':
        await context.drivers.volumes.remove(action.volume, new Set(), { force: true });
        return [{ kind: 'volume', volume: action.volume, present: false }];
      case 'pull-image':
        try {
          await pullImage(parseImageReference(action.image), context.drivers.images, {
            ...context.drivers.registry,
            onProgress: (event) => context.images.pulled(action.image, event),
          });
        } finally {
          context.images.finish(action.image);
        }
        return [{ kind: 'image', image: action.image, refreshed: true, id: await this.imageId(action.image) }];
      case 'build-image':
        try {
          await buildServiceImage(context.drivers, context.project, action.service, {
            onEvent: (event) => {
              if (event.kind === 'step' && event.status === 'running') context.images.building(action.image, event.step, event.steps, event.instruction);
            },
          });
        } finally {
          context.images.finish(action.image);
        }
        return [{ kind: 'image', image: action.image, refreshed: true, id: await this.imageId(action.image) }];
      case 'create-container':
        return [{ kind: 'container', container: await createContainer(context, { service: action.service, number: action.number, name: action.container, configHash: action.configHash }) }];
      case 'start-container':
        return [{ kind: 'container', container: await startContainer(context, context.index.require(action.container)) }];
      case 'restart-container': {
        const restarted = await restartContainer(context, context.index.require(action.container), action.reason === 'policy', action.backoffMs);
        return [{ kind: 'container', container: restarted }];
      }
      case 'stop-container':
        return [{ kind: 'container', container: await stopContainer(context, context.index.require(action.container), action.reason === 'stop') }];
      case 'remove-container': {
        const container = context.index.get(action.container);
        if (container) await removeContainer(context, container);
        return [{ kind: 'container-removed', container: action.container }];
      }
      case 'fail-service':
        // Bookkeeping only: the loop records it without executing.
        return [];
    }
  }

  /** The store ID the reference points at now. */
  private async imageId(reference: string): Promise<string | undefined> {
    return (await this.context.drivers.images.find(reference).catch(() => undefined))?.id;
  }

  private async createNetwork(name: string): Promise<void> {
    const { project } = this.context;
    const key = Object.keys(project.networks).find((k) => networkRealName(project, k) === name);
    const config = key !== undefined ? project.networks[key] : undefined;
    if (key === undefined || !config) throw new Error(`network ${name} is not in project ${project.name}`);
    await this.context.drivers.networks.createNetwork({
      name,
      config: { ...config, labels: { ...(config.labels ?? {}), [LABEL.project]: project.name, [LABEL.network]: key } },
      keyPath: `networks.${key}`,
    });
  }

  private async createVolume(name: string): Promise<void> {
    const { project } = this.context;
    const key = Object.keys(project.volumes).find((k) => (project.volumes[k]?.name ?? `${project.name}_${k}`) === name);
    const config = key !== undefined ? project.volumes[key] : undefined;
    await this.context.drivers.volumes.create(name, {
      labels: { ...(config?.labels ?? {}), [LABEL.project]: project.name, ...(key !== undefined ? { [LABEL.volume]: key } : {}) },
      ...(config?.driver_opts ? { driverOptions: config.driver_opts } : {}),
    });
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof UserError && /does not exist/.test(error.message);
}
