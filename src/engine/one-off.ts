// `berth run`: one-off containers of a service, outside the loop's desired state (compose's "oneoff" containers).
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
import type { ServiceConfig } from '../spec/model.js';
import { createContainer, removeContainer, startContainer } from './container-lifecycle.js';
import type { EngineDrivers } from './engine-drivers.js';
import type { ProjectContext } from './project-context.js';
import { identityFromLabels } from './compose-labels.js';

export interface OneOffRequest {
  readonly service: string;
  /** Replaces the service's command (the arguments after SERVICE). */
  readonly command?: readonly string[] | undefined;
  /** `--entrypoint`: replaces the entrypoint (and, as Docker does, drops the image's command). */
  readonly entrypoint?: readonly string[] | undefined;
  /** `-e K=V`: added to the service's environment. */
  readonly environment?: Readonly<Record<string, string>> | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** `--name`; default `<project>-<service>-run-<12 hex>`. */
  readonly name?: string | undefined;
  readonly user?: string | undefined;
  readonly workingDir?: string | undefined;
  /** `--service-ports`: publish the service's ports (a one-off publishes none otherwise). */
  readonly servicePorts?: boolean | undefined;
  /** `--use-aliases`: answer to the service's name and aliases on its networks. */
  readonly useAliases?: boolean | undefined;
  /** `--no-deps`: do not start the services it depends on. */
  readonly noDeps?: boolean | undefined;
  /** A terminal for the container's process (`run` in a terminal, unless -T). */
  readonly tty?: boolean | undefined;
  /** Keep its stdin open for an attached client (`run -i`, the default). */
  readonly stdinOpen?: boolean | undefined;
  /**
   * Create it and leave the start to `Engine.startOneOff`: the client attaches to its stdio in between,
   * so it sees every byte of the output.
   */
  readonly startLater?: boolean | undefined;
}

export interface OneOffContainer {
  readonly id: string;
  readonly name: string;
}

/**
 * The service as a one-off runs it: compose's `run` rules. Ports only with --service-ports, no restart
 * policy, no fixed container_name, no replicas; command, entrypoint, environment, user and working
 * directory as given.
 */
export function oneOffService(service: ServiceConfig, request: OneOffRequest): ServiceConfig {
  const { ports, restart, container_name: _name, deploy, ...rest } = service;
  const run: ServiceConfig = {
    ...rest,
    ...(request.servicePorts && ports ? { ports } : {}),
    ...(deploy ? { deploy: { ...deploy, restart_policy: undefined, replicas: undefined } } : {}),
    ...(restart !== undefined ? { restart: 'no' } : {}),
    environment: { ...(service.environment ?? {}), ...(request.environment ?? {}) },
    labels: { ...(service.labels ?? {}), ...(request.labels ?? {}) },
    // As compose: the command line decides, whatever the service says.
    tty: request.tty === true,
    stdin_open: request.stdinOpen === true,
  };
  if (request.entrypoint !== undefined) {
    run.entrypoint = [...request.entrypoint];
    // A new entrypoint resets the command, unless one is given after it.
    run.command = request.command !== undefined && request.command.length > 0 ? [...request.command] : [];
  } else if (request.command !== undefined && request.command.length > 0) {
    run.command = [...request.command];
  }
  if (request.user !== undefined) run.user = request.user;
  if (request.workingDir !== undefined) run.working_dir = request.workingDir;
  return run;
}

/** A one-off created with `startLater`: `start()` starts it (once). */
export interface CreatedOneOff extends OneOffContainer {
  start(): Promise<void>;
}

/** Create and start a one-off container of `request.service` in the project's context (with `startLater`, only create it). */
export async function startOneOff(context: ProjectContext, request: OneOffRequest): Promise<CreatedOneOff> {
  const service = context.project.services[request.service];
  if (!service) throw new UserError(`no such service: ${request.service}`, { hint: `services: ${Object.keys(context.project.services).join(', ')}` });
  const name = request.name ?? `${context.project.name}-${request.service}-run-${randomBytes(6).toString('hex')}`;
  if (context.index.get(name) || (await context.drivers.runtime.list()).some((status) => status.record.name === name)) {
    throw new UserError(`a container named ${name} already exists`, { hint: 'choose another --name, or remove that container' });
  }
  // The one-off sees the project with its own version of the service; the session's model stays as it is.
  const oneOffContext: ProjectContext = {
    ...context,
    project: { ...context.project, services: { ...context.project.services, [request.service]: oneOffService(service, request) } },
  };
  await createContainer(oneOffContext, {
    service: request.service,
    number: 1,
    name,
    configHash: '',
    oneoff: { serviceAliases: request.useAliases === true },
  });
  const container = context.index.require(name);
  const start = async (): Promise<void> => {
    try {
      await startContainer(oneOffContext, container);
    } catch (error) {
      await removeContainer(oneOffContext, container).catch(() => undefined);
      throw error;
    }
  };
  if (!request.startLater) await start();
  return { id: container.id, name, start };
}

/** The project's one-off containers (all, or the one named), from the runtime's records. */
export async function oneOffContainers(drivers: EngineDrivers, project: string, name?: string): Promise<{ id: string; name: string; service: string }[]> {
  return (await drivers.runtime.list()).flatMap((status) => {
    const identity = identityFromLabels(status.record.labels);
    if (!identity?.oneoff || identity.project !== project || (name !== undefined && status.record.name !== name)) return [];
    return [{ id: status.record.id, name: status.record.name, service: identity.service }];
  });
}

/** Remove one-off containers (stopping them first): after `run --rm`, and on `down`. */
export async function removeOneOffs(context: ProjectContext, name?: string): Promise<string[]> {
  const found = await oneOffContainers(context.drivers, context.project.name, name);
  const errors: string[] = [];
  for (const container of found) {
    const identity = { project: context.project.name, service: container.service, number: 1, configHash: '', oneoff: true };
    await removeContainer(context, { id: container.id, name: container.name, identity }).catch((error: unknown) => errors.push(String(error)));
  }
  if (errors.length > 0) throw new Error(`removing one-off containers: ${errors.join('; ')}`);
  return found.map((container) => container.name);
}
