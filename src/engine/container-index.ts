// The containers of one project the engine knows, by name: runtime id, service and compose identity.
import type { ObservedContainer } from '../plan/plan-types.js';
import { UserError } from '../errors.js';
import type { ContainerIdentity } from './compose-labels.js';

export interface IndexedContainer {
  readonly id: string;
  readonly name: string;
  readonly identity: ContainerIdentity;
}

export class ContainerIndex {
  private readonly byName = new Map<string, IndexedContainer>();

  constructor(containers: Iterable<IndexedContainer> = []) {
    for (const container of containers) this.add(container);
  }

  add(container: IndexedContainer): void {
    this.byName.set(container.name, container);
  }

  delete(name: string): void {
    this.byName.delete(name);
  }

  get(name: string): IndexedContainer | undefined {
    return this.byName.get(name);
  }

  require(name: string): IndexedContainer {
    const container = this.byName.get(name);
    if (!container) throw new UserError(`no such container: ${name}`, { hint: 'list containers with `berth ps -a`' });
    return container;
  }

  /** The first replica of a service (what `network_mode: service:x` and `volumes_from: x` mean). */
  firstOfService(service: string): IndexedContainer | undefined {
    return [...this.byName.values()].filter((c) => c.identity.service === service).sort((a, b) => a.identity.number - b.identity.number)[0];
  }

  all(): IndexedContainer[] {
    return [...this.byName.values()];
  }
}

/** The observed fields that come from a container's identity; the rest is its live state. */
export function observedIdentity(container: IndexedContainer): Pick<ObservedContainer, 'name' | 'service' | 'number' | 'configHash'> {
  return { name: container.name, service: container.identity.service, number: container.identity.number, configHash: container.identity.configHash };
}
