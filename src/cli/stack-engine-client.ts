// Where stack commands run: in berthd (default, so probes, restarts and DNS outlive the command) or in-process.
import { ensureDaemon } from '../daemon/daemon-process.js';
import type { StackEngine } from '../engine/engine-service.js';
import type { ContainerEvent } from '../engine/container-events.js';
import type { OneOffContainer } from '../engine/one-off.js';
import type { ProgressSnapshot, RequestOutcome } from '../engine/request-outcome.js';
import { statePathsFromEnv } from '../state/paths.js';
import type { CommandContext } from './command-context.js';

/**
 * berthd unless `BERTH_NO_DAEMON=1`: then the engine lives in this process, and whatever it keeps running
 * (health probes, restart policies, the embedded DNS) stops when the command ends.
 */
export async function connectStackEngine(context: CommandContext): Promise<StackEngine> {
  if (context.insideBerthd) return borrowedEngine(await context.insideBerthd.engine(), context.insideBerthd.signal);
  const paths = statePathsFromEnv(context.env);
  if (context.env['BERTH_NO_DAEMON'] === '1') {
    // Imported only here: with berthd (the default) the CLI never loads the engine's modules.
    const { Engine } = await import('../engine/engine.js');
    return Engine.open(paths, { env: context.env });
  }
  const { client } = await ensureDaemon(paths, { env: context.env });
  const call = <T = RequestOutcome>(method: string, params: unknown, hooks: { onState?: ((state: ProgressSnapshot) => void) | undefined; signal?: AbortSignal | undefined } = {}): Promise<T> =>
    client.call<T>(method, params, {
      ...(hooks.onState ? { onEvent: (event: unknown) => hooks.onState?.(event as ProgressSnapshot) } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
  return {
    up: (project, options, hooks) => call('up', { project, options }, hooks),
    start: (project, options, hooks) => call('start', { project, options }, hooks),
    restart: (project, options, hooks) => call('restart', { project, options }, hooks),
    stop: (project, options, hooks) => call('stop', { project, options }, hooks),
    rm: (project, options, hooks) => call('rm', { project, options }, hooks),
    down: (project, options, hooks) => call('down', { project, options }, hooks),
    signal: (project, services, command) => client.call<string[]>('signal', { project, services, command }),
    runOneOff: (project, options, hooks) => call<OneOffContainer>('runOneOff', { project, options }, hooks),
    removeOneOff: (project, name) => client.call<boolean>('removeOneOff', { project, options: { name } }),
    startOneOff: async (project, name) => void (await client.call('startOneOff', { project, options: { name } })),
    watchEvents: async (project, services, onEvent, signal) => {
      await client.call('events', { project, services }, { onEvent: (event: unknown) => onEvent(event as ContainerEvent), signal }).catch((error: unknown) => {
        // Ending the stream is how it is meant to end.
        if (!signal.aborted) throw error;
      });
    },
    close: () => client.close(),
  };
}

/**
 * berthd's own engine for a command it runs for a thin client: the client going away cancels the requests
 * (as its closed connection would), and the command's `close()` leaves the shared engine open.
 */
function borrowedEngine(engine: StackEngine, clientGone: AbortSignal): StackEngine {
  const withClient = <H extends { signal?: AbortSignal | undefined }>(hooks: H | undefined): H & { signal: AbortSignal } =>
    ({ ...(hooks ?? ({} as H)), signal: hooks?.signal ? AbortSignal.any([hooks.signal, clientGone]) : clientGone });
  return {
    up: (project, options, hooks) => engine.up(project, options, withClient(hooks)),
    start: (project, options, hooks) => engine.start(project, options, withClient(hooks)),
    restart: (project, options, hooks) => engine.restart(project, options, withClient(hooks)),
    stop: (project, options, hooks) => engine.stop(project, options, withClient(hooks)),
    rm: (project, options, hooks) => engine.rm(project, options, withClient(hooks)),
    down: (project, options, hooks) => engine.down(project, options, withClient(hooks)),
    signal: (project, services, command) => engine.signal(project, services, command),
    runOneOff: (project, request, hooks) => engine.runOneOff(project, request, withClient(hooks)),
    removeOneOff: (project, name) => engine.removeOneOff(project, name),
    startOneOff: (project, name) => engine.startOneOff(project, name),
    watchEvents: (project, services, onEvent, signal) => engine.watchEvents(project, services, onEvent, AbortSignal.any([signal, clientGone])),
    close: () => Promise.resolve(),
  };
}
