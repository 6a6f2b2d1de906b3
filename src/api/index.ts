// The berth package's programmatic API: bring compose stacks up from a program or a test suite; load projects as the CLI does.
export { formatKeyPath, SystemError, UserError, type Warning } from '../errors.js';
export { configHash } from '../plan/config-hash.js';
export { type LoadedProject, type LoadProjectOptions, loadProject } from '../spec/load-project.js';
export type { Project, ServiceConfig } from '../spec/model.js';
export { type ComposeSpec, type ServiceNames, type StackOptions, up } from './stack-up.js';
export type { DownOptions, ExecOptions, ExecResult, ServiceHandle, Stack } from './started-stack.js';
export type { PublishedPort, StackContainer } from './stack-containers.js';
export type { LogOptions } from './stack-logs.js';
export type { HttpCheck, WaitFor, WaitPlan } from './wait-for.js';
export { type ServiceFailure, ServiceNotReadyError } from './service-not-ready-error.js';
