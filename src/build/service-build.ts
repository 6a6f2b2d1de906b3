// A compose service's `build:` section as a build: context, Dockerfile, args, target, labels, tags, image name.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError, formatPosition } from '../errors.js';
import { LABEL, PROJECT_ORIGIN_KEY, type ProjectOrigin } from '../engine/compose-labels.js';
import { imageOf } from '../plan/desired-state.js';
import { type Project, type ProjectMeta, projectMeta, type ServiceFileReference } from '../spec/model.js';
import type { BuildEvent } from './build-session.js';
import { buildImage, type BuildDrivers, type BuildResult } from './dockerfile-build.js';

export interface ServiceBuildOptions {
  /** `--no-cache` (or the service's `no_cache`). */
  noCache?: boolean | undefined;
  /** `--pull` (or the service's `pull`). */
  pull?: boolean | undefined;
  /** `--build-arg`: wins over the service's `args`. */
  buildArgs?: Readonly<Record<string, string>> | undefined;
  onEvent?: ((event: BuildEvent) => void) | undefined;
}

/** `build:` keys berth reads; the others are reported once per build as not applied. */
const APPLIED_KEYS = new Set(['context', 'dockerfile', 'dockerfile_inline', 'args', 'labels', 'no_cache', 'pull', 'target', 'tags', 'network', 'shm_size', 'additional_contexts', 'secrets']);

/** The image a service's build makes: `image:`, or `<project>-<service>` as compose names it. */
export function serviceImageName(project: Project, serviceName: string): string {
  const service = project.services[serviceName];
  if (!service) throw new UserError(`no such service: ${serviceName}`, { hint: `services: ${Object.keys(project.services).join(', ')}` });
  return imageOf(project.name, serviceName, service);
}

/**
 * Build the image of one service of a loaded project and tag it with the service's image name and
 * `build.tags`. What the engine calls for a `build-image` action, and `berth build` per service.
 */
export async function buildServiceImage(drivers: BuildDrivers, project: Project, serviceName: string, options: ServiceBuildOptions = {}): Promise<BuildResult> {
  const service = project.services[serviceName];
  const build = service?.build;
  const keyPath = `services.${serviceName}.build`;
  if (!service || !build) {
    throw new UserError(`service ${serviceName} has no build section`, { keyPath: `services.${serviceName}`, hint: 'add build: with a context directory, or give the service an image' });
  }
  const context = build.context ?? '.';
  if (/^[a-z]+:\/\//i.test(context) || context.startsWith('git@')) {
    throw new UserError(`build context ${context} is remote: berth builds from local directories only`, { keyPath: `${keyPath}.context`, hint: 'clone the repository and point context at the directory' });
  }
  const network = build.network ?? 'default';
  if (network !== 'default' && network !== 'none' && network !== 'host') {
    throw new UserError(`build network "${network}" is not supported: RUN steps use no network, or the host's`, { keyPath: `${keyPath}.network`, hint: 'use none, default or host' });
  }
  const ignored = Object.keys(build).filter((key) => !APPLIED_KEYS.has(key) && !key.startsWith('x-'));
  const args: Record<string, string> = {};
  for (const [name, value] of Object.entries(build.args ?? {})) if (value !== null) args[name] = value;
  const contextDir = path.resolve(context);
  const result = await buildImage(drivers, {
    contextDir,
    dockerfile: build.dockerfile,
    dockerfileInline: build.dockerfile_inline,
    buildArgs: { ...args, ...options.buildArgs },
    target: build.target,
    tags: [serviceImageName(project, serviceName), ...(build.tags ?? [])],
    labels: { ...build.labels, [LABEL.project]: project.name, [LABEL.service]: serviceName },
    noCache: options.noCache === true || build.no_cache === true,
    pull: options.pull === true || build.pull === true,
    network,
    shmSize: build.shm_size,
    namedContexts: namedContexts(project, build.additional_contexts ?? {}),
    secrets: await buildSecrets(project, build.secrets ?? [], keyPath),
    onEvent: options.onEvent,
  }).catch((error: unknown) => {
    // The engine reports a failed service by its message alone: the Dockerfile line goes into it.
    if (error instanceof UserError && error.position) {
      throw new UserError(`${formatPosition(error.position)}: ${error.message}`, { keyPath, hint: error.hint, related: error.related });
    }
    throw error;
  });
  for (const key of ignored) {
    const message = `${keyPath}.${key} is not applied by berth's builder`;
    result.warnings.push(message);
    options.onEvent?.({ kind: 'warning', message });
  }
  return result;
}

/**
 * `build.secrets`: the bytes of each top-level secret named, under the id the Dockerfile mounts
 * (`target`, else the secret's name), as compose hands them to BuildKit.
 */
async function buildSecrets(project: Project, references: readonly ServiceFileReference[], keyPath: string): Promise<Map<string, Uint8Array>> {
  const secrets = new Map<string, Uint8Array>();
  for (const [index, reference] of references.entries()) {
    const object = project.secrets[reference.source];
    const at = `${keyPath}.secrets[${index}]`;
    if (!object) throw new UserError(`build secret "${reference.source}" is not defined`, { keyPath: at, hint: 'define it under the top-level secrets: with file:' });
    if (object.file === undefined) {
      throw new UserError(`build secret "${reference.source}": berth reads build secrets from files only`, { keyPath: `secrets.${reference.source}`, hint: 'give it a file:' });
    }
    const file = path.resolve(object.file);
    const bytes = await readFile(file).catch(() => {
      throw new UserError(`build secret "${reference.source}": cannot read ${file}`, { keyPath: `secrets.${reference.source}.file`, hint: 'create it, or fix the path' });
    });
    secrets.set(reference.target ?? reference.source, bytes);
  }
  return secrets;
}

/** compose resolves local additional contexts against the project directory; images pass as they are. */
function namedContexts(project: Project, contexts: Readonly<Record<string, string>>): Record<string, string> {
  // The symbol does not survive the trip to berthd as JSON; the CLI's origin record does.
  const meta = project[projectMeta] as ProjectMeta | undefined;
  const origin = (project as unknown as Record<string, unknown>)[PROJECT_ORIGIN_KEY] as Partial<ProjectOrigin> | undefined;
  const base = meta?.workingDir ?? (typeof origin?.workingDir === 'string' ? origin.workingDir : process.cwd());
  return Object.fromEntries(Object.entries(contexts).map(([name, value]) => [name, /^[a-z][a-z0-9+.-]*:/i.test(value) ? value : path.resolve(base, value)]));
}
