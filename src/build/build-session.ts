// What one build shares across its stages: drivers, cache, context, options, base images, progress and cancellation.
import { UserError, ValueError } from '../errors.js';
import type { ImageRecord } from '../image/image-store-interface.js';
import type { ImageStore } from '../image/image-store.js';
import { parseImageReference } from '../image/reference.js';
import { pullImage } from '../image/registry/pull-image.js';
import type { RegistryClientOptions } from '../image/registry/registry-client.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { StatePaths } from '../state/paths.js';
import type { BuildCache } from './build-cache.js';
import type { BuildSecrets } from './run-mounts.js';
import type { SourceTree } from './source-tree.js';
import type { ExpansionScope } from './stage-state.js';

/** Progress of a build, step by step. `stage` is the stage's name or number. */
export type BuildEvent =
  | { kind: 'step'; stage: string; step: number; steps: number; instruction: string; status: 'running' | 'cached' | 'done' | 'failed'; durationMs?: number }
  | { kind: 'output'; stage: string; step: number; stream: 'stdout' | 'stderr'; line: string }
  | { kind: 'warning'; message: string };

/** Raised in stages that stop because another stage failed. */
export class BuildCancelled extends Error {
  override readonly name = 'BuildCancelled';
}

/** A named build context: a directory COPY --from reads, or an image standing in for a name. */
export type NamedContext = { kind: 'directory'; tree: SourceTree } | { kind: 'image'; reference: string };

export interface BuildSession {
  readonly paths: StatePaths;
  readonly store: ImageStore;
  readonly runtime: ContainerRuntime;
  readonly cache: BuildCache;
  readonly registry: RegistryClientOptions;
  readonly context: SourceTree;
  readonly scope: ExpansionScope;
  readonly noCache: boolean;
  readonly pull: boolean;
  readonly network: 'none' | 'host';
  readonly shmSize?: number | undefined;
  readonly namedContexts: ReadonlyMap<string, NamedContext>;
  /** Secrets RUN --mount=type=secret may mount, by id. */
  readonly secrets: BuildSecrets;
  readonly report: (event: BuildEvent) => void;
  /** Base and --from images, each resolved (and pulled) once per build. */
  readonly images: Map<string, Promise<ImageRecord>>;
  /** Set when a stage failed: the others stop before their next step. */
  failed: boolean;
}

/**
 * The image a FROM or COPY --from names: from the store, or pulled when absent (always with `--pull`).
 * `line` places errors in the Dockerfile.
 */
export function resolveImage(session: BuildSession, name: string, line: number): Promise<ImageRecord> {
  const named = session.namedContexts.get(name);
  if (named?.kind === 'directory') {
    throw new UserError(`${name} is a directory context: only COPY --from can read it`, { position: { file: session.scope.file, line, col: 1 }, hint: 'use docker-image://<image> to stand in for an image' });
  }
  const reference = named?.kind === 'image' ? named.reference : name;
  let found = session.images.get(reference);
  if (!found) {
    found = findOrPull(session, reference, line);
    session.images.set(reference, found);
  }
  return found;
}

async function findOrPull(session: BuildSession, text: string, line: number): Promise<ImageRecord> {
  const position = { file: session.scope.file, line, col: 1 };
  let reference;
  try {
    reference = parseImageReference(text);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { position, hint: error.hint });
    throw error;
  }
  if (!session.pull) {
    const local = await session.store.find(text);
    if (local) return local;
  }
  try {
    return (await pullImage(reference, session.store, session.registry)).image;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UserError(`image ${text} is not in the local store${session.pull ? ' (--pull)' : ''} and pulling it failed: ${why}`, {
      position,
      hint: 'load it with `berth image load`, pull it with `berth pull`, or fix the name',
    });
  }
}

export function checkCancelled(session: BuildSession): void {
  if (session.failed) throw new BuildCancelled('another stage of the build failed');
}
