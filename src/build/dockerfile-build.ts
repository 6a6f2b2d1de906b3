// `build`: a Dockerfile and its context become an image in the store, tagged only once every needed stage succeeded.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError, ValueError } from '../errors.js';
import type { ImageRecord } from '../image/image-store-interface.js';
import type { ImageStore } from '../image/image-store.js';
import { MEDIA_TYPE, type Descriptor, type ImageManifest } from '../image/media-types.js';
import { type ImageReference, parseImageReference } from '../image/reference.js';
import type { RegistryClientOptions } from '../image/registry/registry-client.js';
import { ContainerRuntime } from '../runtime/container-runtime.js';
import type { StatePaths } from '../state/paths.js';
import { BuildCache } from './build-cache.js';
import type { BuildSecrets } from './run-mounts.js';
import { BuildCancelled, type BuildEvent, type BuildSession, type NamedContext } from './build-session.js';
import { readDockerfile } from './instruction-parser.js';
import { SourceTree } from './source-tree.js';
import { buildStage } from './stage-builder.js';
import { planStages } from './stage-graph.js';
import { imageConfigOf, type StageState } from './stage-state.js';

export interface BuildOptions {
  /** The build context directory. */
  contextDir: string;
  /** Dockerfile path, relative to the context or absolute (default `Dockerfile`). */
  dockerfile?: string | undefined;
  /** Dockerfile text given inline (compose `dockerfile_inline`): wins over `dockerfile`. */
  dockerfileInline?: string | undefined;
  buildArgs?: Readonly<Record<string, string>> | undefined;
  target?: string | undefined;
  /** References to tag the image with (`app:1.0`); none leaves it known by its ID. */
  tags?: readonly string[] | undefined;
  /** Labels added to the image config. */
  labels?: Readonly<Record<string, string>> | undefined;
  noCache?: boolean | undefined;
  /** Pull base images even when they are in the store. */
  pull?: boolean | undefined;
  /** RUN's network: `none` (also what `default` means here: builds never reach outside) or `host`. */
  network?: 'none' | 'host' | 'default' | undefined;
  /** Size of RUN's /dev/shm in bytes (default 64 MiB). */
  shmSize?: number | undefined;
  /**
   * Named contexts (compose `additional_contexts`): a directory `COPY --from=name` reads, or
   * `docker-image://ref` standing in for the image `name` in FROM and COPY --from.
   */
  namedContexts?: Readonly<Record<string, string>> | undefined;
  /** Secrets by id, for RUN --mount=type=secret (compose `build.secrets`). */
  secrets?: BuildSecrets | undefined;
  onEvent?: ((event: BuildEvent) => void) | undefined;
}

/** What a build needs of the engine's drivers. */
export interface BuildDrivers {
  readonly paths: StatePaths;
  readonly images: ImageStore;
  readonly registry?: RegistryClientOptions | undefined;
}

export interface BuildResult {
  image: ImageRecord;
  /** Steps run or reused for the target (FROM lines included). */
  steps: number;
  cachedSteps: number;
  warnings: string[];
  durationMs: number;
}

/** Build args Docker passes without an ARG and leaves out of the cache key. */
const PROXY_ARGS = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((name) => [name, name.toLowerCase()]));

/** Where build containers live: apart from the engine's, so no project ever sees them. */
export function buildRuntimePaths(paths: StatePaths): StatePaths {
  return { root: path.join(paths.root, 'build'), run: path.join(paths.run, 'build') };
}

export async function buildImage(drivers: BuildDrivers, options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const contextDir = path.resolve(options.contextDir);
  const dockerfilePath = path.resolve(contextDir, options.dockerfile ?? 'Dockerfile');
  const file = options.dockerfileInline !== undefined ? 'Dockerfile (inline)' : path.relative(contextDir, dockerfilePath) || 'Dockerfile';
  const text = options.dockerfileInline ?? (await readFile(dockerfilePath, 'utf8').catch(() => {
    throw new UserError(`cannot read the Dockerfile ${dockerfilePath}`, { hint: 'set build.dockerfile to a file (relative to the context), or give dockerfile_inline' });
  }));
  const tags = (options.tags ?? []).map(parseTag);
  const dockerfile = readDockerfile(text, file);
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const usedArgs = new Set<string>();
  const graph = planStages(dockerfile, buildArgs, options.target, usedArgs);
  const context = await SourceTree.openContext(contextDir, options.dockerfileInline === undefined ? dockerfilePath : undefined);
  const runtime = new ContainerRuntime(buildRuntimePaths(drivers.paths));
  await runtime.setup();
  const warnings: string[] = dockerfile.warnings.map((warning) => `${file}:${warning.line}: ${warning.message}`);
  let steps = 0;
  let cachedSteps = 0;
  const session: BuildSession = {
    paths: drivers.paths,
    store: drivers.images,
    runtime,
    cache: new BuildCache(drivers.paths, drivers.images),
    registry: drivers.registry ?? {},
    context,
    scope: { escape: dockerfile.escape, buildArgs, globalDefaults: graph.globalDefaults, usedArgs, file },
    noCache: options.noCache === true,
    pull: options.pull === true,
    network: options.network === 'host' ? 'host' : 'none',
    shmSize: options.shmSize,
    namedContexts: await openNamedContexts(contextDir, options.namedContexts ?? {}),
    secrets: options.secrets ?? new Map(),
    report: (event) => {
      if (event.kind === 'step' && event.status !== 'running' && event.status !== 'failed') {
        steps += 1;
        if (event.status === 'cached') cachedSteps += 1;
      }
      options.onEvent?.(event);
    },
    images: new Map(),
    failed: false,
  };
  try {
    await removeStaleContainers(runtime);
    const finished = new Map<number, Promise<StageState>>();
    const lookup = (index: number): Promise<StageState> => {
      const result = finished.get(index);
      if (!result) throw new Error(`stage ${index} is needed but was not scheduled`);
      return result;
    };
    for (const index of graph.needed) {
      const stage = graph.stages[index];
      if (!stage) continue;
      // Each stage starts at once and waits only for what it reads: independent stages run in parallel.
      const result = buildStage(session, graph, stage, lookup);
      result.catch(() => {
        session.failed = true;
      });
      finished.set(index, result);
    }
    const outcomes = await Promise.allSettled(finished.values());
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected' && !(outcome.reason instanceof BuildCancelled));
    if (failure) throw failure.reason;
    const final = await lookup(graph.target);
    for (const name of buildArgs.keys()) {
      if (!usedArgs.has(name) && !PROXY_ARGS.has(name)) warnings.push(`build-arg ${name} was not consumed by any ARG of the Dockerfile`);
    }
    for (const message of warnings) options.onEvent?.({ kind: 'warning', message });
    const image = await writeImage(drivers.images, withLabels(final, options.labels ?? {}), tags);
    return { image, steps, cachedSteps, warnings, durationMs: Date.now() - started };
  } finally {
    runtime.close();
  }
}

/** `docker-image://ref` aliases and directories (relative to the context); other kinds are refused. */
async function openNamedContexts(contextDir: string, named: Readonly<Record<string, string>>): Promise<Map<string, NamedContext>> {
  const out = new Map<string, NamedContext>();
  for (const [name, value] of Object.entries(named)) {
    if (value.startsWith('docker-image://')) {
      out.set(name, { kind: 'image', reference: value.slice('docker-image://'.length) });
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('service:') || value.startsWith('target:')) {
      throw new UserError(`named context ${name}=${value} is not supported: berth reads local directories and docker-image:// references`, { keyPath: `additional_contexts.${name}` });
    } else {
      out.set(name, { kind: 'directory', tree: await SourceTree.openContext(path.resolve(contextDir, value)) });
    }
  }
  return out;
}

function parseTag(text: string): ImageReference {
  try {
    const reference = parseImageReference(text);
    if (reference.digest !== undefined) throw new ValueError(`a built image cannot be tagged with a digest (${text})`, 'give a name and tag, such as app:1.0');
    return reference;
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(`invalid tag "${text}": ${error.message}`, { hint: error.hint });
    throw error;
  }
}

function withLabels(state: StageState, labels: Readonly<Record<string, string>>): StageState {
  if (Object.keys(labels).length === 0) return state;
  return { ...state, config: { ...state.config, Labels: { ...state.config.Labels, ...labels } } };
}

/** Config and manifest into the blob store, then the image committed under every tag (or none). */
export async function writeImage(store: ImageStore, state: StageState, tags: readonly ImageReference[]): Promise<ImageRecord> {
  const config = await store.blobs.putBytes(Buffer.from(JSON.stringify(imageConfigOf(state))));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.ociManifest,
    config: { mediaType: MEDIA_TYPE.ociConfig, ...config },
    layers: state.layers.map(ociDescriptor),
  };
  const { digest } = await store.blobs.putBytes(Buffer.from(JSON.stringify(manifest)));
  let record = await store.commit(digest, tags[0] ? { reference: tags[0] } : {});
  for (const tag of tags.slice(1)) record = await store.commit(digest, { reference: tag });
  return record;
}

/** Docker schema2 layer types in an OCI manifest become their OCI names (the bytes are the same). */
function ociDescriptor(layer: Descriptor): Descriptor {
  const mediaType =
    layer.mediaType === MEDIA_TYPE.dockerLayerGzip ? MEDIA_TYPE.ociLayerGzip : layer.mediaType === 'application/vnd.docker.image.rootfs.diff.tar' ? MEDIA_TYPE.ociLayer : layer.mediaType;
  return { mediaType, digest: layer.digest, size: layer.size };
}

/** Build containers left by a build that was killed: exited long ago, or lost (no runtime state). */
async function removeStaleContainers(runtime: ContainerRuntime): Promise<void> {
  // A build running beside this one (in this process or another) may have just seen its container exit.
  const staleBefore = Date.now() - 10 * 60_000;
  for (const status of await runtime.list()) {
    const old = Date.parse(status.record.created) < staleBefore;
    const stale = (status.state === 'unknown' && old) || (status.state === 'exited' && (status.finishedAt ?? 0) < staleBefore);
    if (stale) await runtime.delete(status.record.id, { force: true }).catch(() => undefined);
  }
}
