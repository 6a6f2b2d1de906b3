// Everything the actions of one project need: the drivers, the project model, its containers, DNS and probes.
import type { Project } from '../spec/model.js';
import type { ContainerIndex } from './container-index.js';
import type { DnsRegistry } from './dns-registry.js';
import type { EngineDrivers } from './engine-drivers.js';
import type { ImageActivityBoard } from './image-activity-board.js';
import type { HealthSupervisor } from './health-supervisor.js';

export interface ProjectContext {
  readonly drivers: EngineDrivers;
  /** The latest model: a later `up` of the same project replaces it. */
  project: Project;
  readonly index: ContainerIndex;
  readonly dns: DnsRegistry;
  readonly health: HealthSupervisor;
  /** What the pulls and builds in flight are doing, for the progress display. */
  readonly images: ImageActivityBoard;
  /** `-t/--timeout` of the request: the stop grace period instead of each container's own. */
  stopTimeoutMs?: number | undefined;
}
