// A stack's containers as the API shows them: state, health, addresses per network, published ports; read from disk.
import path from 'node:path';
import { type ContainerStateName, listProjectContainers, type ProjectContainer } from '../engine/project-containers.js';
import { NetworkStore } from '../network/network-store.js';
import type { HealthStatus } from '../plan/plan-types.js';
import type { Project } from '../spec/model.js';
import type { StatePaths } from '../state/paths.js';

/** A port of a container published on the host. */
export interface PublishedPort {
  /** The port inside the container. */
  readonly target: number;
  readonly protocol: string;
  /** The host address it is bound to (`0.0.0.0` for every address). */
  readonly hostIp: string;
  readonly hostPort: number;
}

/** One container of a stack, as it was when read. */
export interface StackContainer {
  readonly id: string;
  /** e.g. `myapp-db-1`. */
  readonly name: string;
  readonly service: string;
  /** The replica number, from 1. */
  readonly number: number;
  /** Docker's state names: created, running, paused, restarting, exited, dead. */
  readonly state: ContainerStateName;
  /** Meaningful once exited. */
  readonly exitCode: number;
  /** Only for a running container with a healthcheck. */
  readonly health: HealthStatus | undefined;
  /** The container's address on its first network (in the order the project declares its networks). */
  readonly ip: string | undefined;
  /** Address per network, keyed by the network's full name (e.g. `myapp_default`). */
  readonly addresses: Readonly<Record<string, string>>;
  readonly ports: readonly PublishedPort[];
}

/** A container with where its files are, for the API's own readers (logs, health). */
export interface StackContainerFiles {
  readonly container: StackContainer;
  /** The container's persistent directory (its log and health record live there). */
  readonly dir: string;
  readonly source: ProjectContainer;
}

/** The networks of the project by full name, in declaration order. */
export function projectNetworkNames(project: Project): string[] {
  return Object.entries(project.networks).map(([key, network]) => network.name ?? `${project.name}_${key}`);
}

/** The project's containers (one-off ones left out), sorted by service and number. */
export async function readStackContainers(paths: StatePaths, project: Project): Promise<StackContainerFiles[]> {
  const [containers, networks] = await Promise.all([listProjectContainers(paths, { project: project.name }), new NetworkStore(paths).list()]);
  const order = projectNetworkNames(project);
  const rank = (name: string): number => (order.includes(name) ? order.indexOf(name) : order.length);
  return containers.map((source) => {
    const addresses: Record<string, string> = {};
    for (const network of [...networks].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1))) {
      const endpoint = network.endpoints[source.id];
      if (endpoint) addresses[network.name] = endpoint.address;
    }
    const container: StackContainer = {
      id: source.id,
      name: source.name,
      service: source.service,
      number: source.number,
      state: source.state,
      exitCode: source.exitCode,
      health: source.health,
      ip: Object.values(addresses)[0],
      addresses,
      ports: source.publishers
        .filter((publisher) => publisher.PublishedPort !== 0)
        .map((publisher) => ({ target: publisher.TargetPort, protocol: publisher.Protocol, hostIp: publisher.URL, hostPort: publisher.PublishedPort })),
    };
    return { container, dir: path.dirname(source.logPath), source };
  });
}
