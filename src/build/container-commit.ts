// `commit`: a container's changes (its rootfs upper dir) as a new layer on its image, with config changes applied.
import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError, ValueError } from '../errors.js';
import type { ImageRecord } from '../image/image-store-interface.js';
import type { ImageStore } from '../image/image-store.js';
import { applyImageChanges } from '../image/import-changes.js';
import { MEDIA_TYPE } from '../image/media-types.js';
import { type ImageReference, parseImageReference } from '../image/reference.js';
import { rootfsBaseDir } from '../image/rootfs.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { defaultMounts } from '../runtime/linux-defaults.js';
import type { StatePaths } from '../state/paths.js';
import { writeImage } from './dockerfile-build.js';
import { nextChainId, packUpperDir } from './layer-diff.js';
import { splitPath } from './scoped-path.js';
import type { StageState } from './stage-state.js';

export interface CommitOptions {
  /** `REPOSITORY[:TAG]`; none leaves the image known by its ID. */
  reference?: string | undefined;
  author?: string | undefined;
  /** The history comment (`-m`). */
  message?: string | undefined;
  /** Dockerfile config instructions (`-c 'CMD ["x"]'`): CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL, VOLUME. */
  changes?: readonly string[] | undefined;
  /** Pause a running container while its files are read (default true, as Docker). */
  pause?: boolean | undefined;
}

/** The label compose sets to the ID of the image a container runs. */
const IMAGE_LABEL = 'com.docker.compose.image';

/**
 * Commit container `id`: what it changed becomes one layer on top of its image. Mount points the
 * runtime made (`/proc`, `/etc/hosts`, volume targets, ...) are left out when they are still empty.
 */
export async function commitContainer(store: ImageStore, runtime: ContainerRuntime, paths: StatePaths, id: string, options: CommitOptions = {}): Promise<ImageRecord> {
  const record = await runtime.requireRecord(id);
  const image = await store.get(record.labels[IMAGE_LABEL] ?? record.image);
  const reference = options.reference === undefined ? undefined : parseReference(options.reference);
  let config;
  try {
    config = applyImageChanges(image.config.config ?? {}, options.changes ?? []);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { keyPath: '--change', hint: error.hint });
    throw error;
  }
  const upper = path.join(rootfsBaseDir(paths), id, 'upper');
  const stubs = new Set([...defaultMounts({ shmSize: 0, privileged: false }), ...record.mounts].map((mount) => splitPath(mount.destination).join('/')));
  for (const file of ['etc/hosts', 'etc/resolv.conf', 'etc/hostname']) stubs.add(file);
  const skip = async (relative: string): Promise<boolean> => {
    if (!stubs.has(relative)) return false;
    const info = await lstat(path.join(upper, relative));
    return info.isDirectory() ? (await readdir(path.join(upper, relative))).length === 0 : info.size === 0;
  };
  const status = await runtime.inspect(id);
  const pause = options.pause !== false && status?.state === 'running';
  if (pause) await runtime.pause(id);
  let blob;
  const hash = createHash('sha256');
  try {
    blob = await store.blobs.putComputed(
      (async function* (): AsyncGenerator<Uint8Array> {
        for await (const chunk of packUpperDir(upper, undefined, skip)) {
          hash.update(chunk);
          yield chunk;
        }
      })(),
    );
  } finally {
    if (pause) await runtime.resume(id);
  }
  const diffId = `sha256:${hash.digest('hex')}`;
  const created = new Date().toISOString();
  const state: StageState = {
    key: '',
    config,
    author: options.author ?? image.config.author,
    diffIds: [...image.config.rootfs.diff_ids, diffId],
    layers: [...image.manifest.layers, { mediaType: MEDIA_TYPE.ociLayer, digest: blob.digest, size: blob.size }],
    chainIds: [...image.chainIds, nextChainId(image.chainIds.at(-1), diffId)],
    history: [...(image.config.history ?? []), { created, created_by: `berth commit ${record.name}`, ...(options.message ? { comment: options.message } : {}) }],
    created,
    args: new Map(),
    cmdSet: false,
  };
  return writeImage(store, state, reference ? [reference] : []);
}

function parseReference(text: string): ImageReference {
  try {
    const reference = parseImageReference(text);
    if (reference.digest !== undefined) throw new ValueError(`a committed image cannot be named by a digest (${text})`, 'give a repository and tag');
    return reference;
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { hint: error.hint });
    throw error;
  }
}
