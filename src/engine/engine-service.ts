// The engine's methods as berthd serves them: plain JSON in (project model, options), progress events and an outcome out.
import type { DaemonHandler } from '../daemon/daemon-server.js';
import { UserError } from '../errors.js';
import type { Project } from '../spec/model.js';
import type { ContainerSignal } from './container-signals.js';
import type { ContainerEvent } from './container-events.js';
import type { OneOffContainer, OneOffRequest } from './one-off.js';
import type { DownOptions, Engine, RemoveOptions, RequestHooks, ServicesOptions, UpOptions } from './engine.js';
import type { RequestOutcome } from './request-outcome.js';

/** What the stack commands (`up`, `start`, `stop`, `down`, `kill`...) need of an engine, in-process or in berthd. */
export interface StackEngine {
  up(project: Project, options: UpOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  start(project: Project, options: ServicesOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  restart(project: Project, options: ServicesOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  stop(project: Project, options: ServicesOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  rm(project: Project, options: RemoveOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  down(project: Project, options: DownOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  signal(projectName: string, services: readonly string[], command: ContainerSignal): Promise<string[]>;
  runOneOff(project: Project, request: OneOffRequest, hooks?: RequestHooks): Promise<OneOffContainer>;
  removeOneOff(project: Project, name: string): Promise<boolean>;
  /** Start a one-off created with `startLater`, once its client has attached. */
  startOneOff(project: Project, name: string): Promise<void>;
  /** Stream the project's container events (of `services`, all when empty) until `signal` aborts. */
  watchEvents(projectName: string, services: readonly string[], onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** The requests that take a project model and options, and answer with an outcome. */
const PROJECT_REQUESTS = ['up', 'start', 'restart', 'stop', 'rm', 'down'] as const;

interface StackParams<O> {
  project: Project;
  options: O;
}

function stackParams<O>(params: unknown): StackParams<O> {
  const value = params as Partial<StackParams<O>> | null;
  if (!value || typeof value.project !== 'object' || typeof value.project.name !== 'string' || typeof value.project.services !== 'object') {
    throw new UserError('the request carries no project model');
  }
  return { project: value.project, options: value.options ?? ({} as O) };
}

/** Progress is sent only when it changed: a loop state per event would repeat itself. */
function progressEmitter(emit: (event: unknown) => void): RequestHooks['onState'] {
  let last = '';
  return (state) => {
    const text = JSON.stringify(state);
    if (text === last) return;
    last = text;
    emit(state);
  };
}

/**
 * berthd's `up`, `stop` and `down`, over one engine that keeps each project's loop running between calls.
 * `engine` gives it (opened on first use, so berthd answers before its drivers are up).
 */
export function engineHandlers(engine: () => Promise<Engine>): Record<string, DaemonHandler> {
  const handlers: Record<string, DaemonHandler> = {};
  for (const method of PROJECT_REQUESTS) {
    handlers[method] = async (params, call) => {
      const { project, options } = stackParams<never>(params);
      return (await engine())[method](project, options ?? {}, { onState: progressEmitter(call.emit), signal: call.signal });
    };
  }
  handlers.signal = async (params) => {
    const value = params as { project?: unknown; services?: unknown; command?: ContainerSignal } | null;
    if (typeof value?.project !== 'string' || !Array.isArray(value.services) || typeof value.command?.kind !== 'string') {
      throw new UserError('the signal request needs a project name, services and a command');
    }
    return (await engine()).signal(value.project, value.services as string[], value.command);
  };
  handlers.events = async (params, call) => {
    const value = params as { project?: unknown; services?: unknown } | null;
    if (typeof value?.project !== 'string') throw new UserError('events needs a project name');
    const services = Array.isArray(value.services) ? (value.services as string[]) : [];
    await (await engine()).watchEvents(value.project, services, (event) => call.emit(event), call.signal);
    return null;
  };
  handlers.runOneOff = async (params, call) => {
    const { project, options } = stackParams<OneOffRequest>(params);
    return (await engine()).runOneOff(project, options, { onState: progressEmitter(call.emit), signal: call.signal });
  };
  handlers.startOneOff = async (params) => {
    const { project, options } = stackParams<{ name?: unknown }>(params);
    if (typeof options.name !== 'string') throw new UserError('startOneOff needs the container name');
    await (await engine()).startOneOff(project, options.name);
    return null;
  };
  handlers.removeOneOff = async (params) => {
    const { project, options } = stackParams<{ name?: unknown }>(params);
    if (typeof options.name !== 'string') throw new UserError('removeOneOff needs the container name');
    return (await engine()).removeOneOff(project, options.name);
  };
  return handlers;
}

