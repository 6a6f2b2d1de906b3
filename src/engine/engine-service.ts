// The engine's methods as berthd serves them: plain JSON in (project model, options), progress events and an outcome out.
import type { DaemonHandler } from '../daemon/daemon-server.js';
import { UserError } from '../errors.js';
import type { Project } from '../spec/model.js';
import type { DownOptions, Engine, RequestHooks, UpOptions } from './engine.js';
import type { RequestOutcome } from './request-outcome.js';

/** What `berth up|stop|down` need of an engine, in-process or in berthd. */
export interface StackEngine {
  up(project: Project, options: UpOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  stop(project: Project, options: { services?: readonly string[]; stopTimeoutMs?: number }, hooks?: RequestHooks): Promise<RequestOutcome>;
  down(project: Project, options: DownOptions, hooks?: RequestHooks): Promise<RequestOutcome>;
  close(): Promise<void>;
}

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
  return {
    up: async (params, call) => {
      const { project, options } = stackParams<UpOptions>(params);
      return (await engine()).up(project, options, { onState: progressEmitter(call.emit), signal: call.signal });
    },
    stop: async (params, call) => {
      const { project, options } = stackParams<{ services?: string[]; stopTimeoutMs?: number }>(params);
      return (await engine()).stop(project, options, { onState: progressEmitter(call.emit), signal: call.signal });
    },
    down: async (params, call) => {
      const { project, options } = stackParams<DownOptions>(params);
      return (await engine()).down(project, options, { onState: progressEmitter(call.emit), signal: call.signal });
    },
  };
}
