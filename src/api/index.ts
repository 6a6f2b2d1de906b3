// The berth package's programmatic API. For now: load a compose project as the CLI does.
export { formatKeyPath, SystemError, UserError, type Warning } from '../errors.js';
export { configHash } from '../plan/config-hash.js';
export { type LoadedProject, type LoadProjectOptions, loadProject } from '../spec/load-project.js';
export type { Project, ServiceConfig } from '../spec/model.js';
