// RUN: a container on the step's snapshot through the real runtime (runc + conmon), its output streamed, then removed.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, rmdir, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ImageRuntimeConfig } from '../image/media-types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { followContainerLog, readContainerLog } from '../runtime/k8s-log.js';
import { defaultMounts } from '../runtime/linux-defaults.js';
import type { RuntimeMount } from '../runtime/oci-spec.js';
import type { ServiceConfig } from '../spec/model.js';
import { splitPath } from './scoped-path.js';

export interface RunRequest {
  /** The snapshot's merged view. */
  rootfs: string;
  argv: string[];
  env: string[];
  user?: string | undefined;
  workdir: string;
  /** `none` (default: a namespace with only `lo`) or `host`. */
  network: 'none' | 'host';
  /** RUN --mount mounts, made ready on the host. */
  mounts?: RuntimeMount[] | undefined;
  /** Size of /dev/shm in bytes (default 64 MiB). */
  shmSize?: number | undefined;
  /** A script (a heredoc with a #! line) bound read-only at SCRIPT_PATH; argv then names it. */
  script?: string | undefined;
  /** Each line of output as it comes. */
  onOutput?: ((line: string, stream: 'stdout' | 'stderr') => void) | undefined;
}

export interface RunResult {
  exitCode: number;
  /** The last lines of output, for the error of a failed step. */
  tail: string[];
}

const TAIL_LINES = 10;
/** Where a RUN heredoc script appears: on /dev's tmpfs, so the mount point never reaches the layer. */
export const SCRIPT_PATH = '/dev/.berth-run-script';
const HOST_ETC = { resolvConf: '/etc/resolv.conf', hosts: '/etc/hosts' };

/**
 * Run one command to its end. Mount points the runtime had to create in the root (`/proc`, `/dev`,
 * `/etc/hosts`, ...) are removed again when they are still empty, so they do not end up in the layer.
 */
export async function runInRootfs(runtime: ContainerRuntime, request: RunRequest): Promise<RunResult> {
  const id = randomBytes(32).toString('hex');
  const extraMounts = [...(request.mounts ?? [])];
  const mountPoints = [
    ...defaultMounts({ shmSize: 0, privileged: false }).map((mount) => mount.destination),
    ...(request.network === 'host' ? ['/etc/resolv.conf', '/etc/hosts'] : []),
    ...extraMounts.map((mount) => mount.destination),
  ];
  const missing = await missingPaths(request.rootfs, mountPoints);
  const service: ServiceConfig = {
    command: request.argv,
    entrypoint: [],
    working_dir: request.workdir,
    ...(request.user ? { user: request.user } : {}),
    ...(request.network === 'host' ? { network_mode: 'host' } : {}),
    hostname: 'buildsandbox',
    ...(request.shmSize !== undefined ? { shm_size: request.shmSize } : {}),
  };
  const image: ImageRuntimeConfig = { Env: request.env };
  const tail: string[] = [];
  const keep = (text: string): void => {
    tail.push(text);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const scriptFile = path.join(runtime.paths.run, 'scripts', id);
  if (request.script !== undefined) {
    await mkdir(path.dirname(scriptFile), { recursive: true, mode: 0o700 });
    await writeFile(scriptFile, request.script, { mode: 0o755 });
  }
  let stopFollowing: (() => void) | undefined;
  try {
    await runtime.create({
      id,
      name: `build-${id.slice(0, 12)}`,
      service,
      image: { reference: 'build', config: image },
      rootfs: request.rootfs,
      ...(request.network === 'host' ? { etcFiles: HOST_ETC } : {}),
      mounts: [...extraMounts, ...(request.script !== undefined ? [{ destination: SCRIPT_PATH, type: 'bind', source: scriptFile, options: ['bind', 'ro'] }] : [])],
    });
    const seen = { count: 0 };
    stopFollowing = followContainerLog(runtime.files(id).log, (entry) => {
      seen.count += 1;
      keep(entry.text);
      request.onOutput?.(entry.text, entry.stream);
    });
    await runtime.start(id);
    const status = await runtime.wait(id);
    stopFollowing();
    stopFollowing = undefined;
    // Lines written in the last moment may not have been read by the follower yet.
    const all = await readContainerLog(runtime.files(id).log);
    for (const entry of all.slice(seen.count)) {
      keep(entry.text);
      request.onOutput?.(entry.text, entry.stream);
    }
    if (status?.exitCode === undefined) throw new UserError('the RUN container ended without an exit code');
    return { exitCode: status.exitCode, tail };
  } finally {
    stopFollowing?.();
    // create() removes what it made when it fails: then there is no record to delete.
    if (await runtime.inspect(id)) await runtime.delete(id, { force: true });
    await rm(scriptFile, { force: true });
    await removeMountPoints(request.rootfs, missing);
  }
}

interface MissingPaths {
  /** Paths (slash, relative to the root) the runtime will have to create, parents first. */
  paths: string[];
  /** Existing directories that get a new entry, with their times before it. */
  parents: Map<string, { atime: Date; mtime: Date }>;
}

/** The paths (and their missing parents) that do not exist in the root yet, and the directories they go into. */
async function missingPaths(root: string, destinations: readonly string[]): Promise<MissingPaths> {
  const missing: MissingPaths = { paths: [], parents: new Map() };
  for (const destination of destinations) {
    let current = '';
    for (const part of splitPath(destination)) {
      const parent = current;
      current = current === '' ? part : `${current}/${part}`;
      if (missing.paths.includes(current)) continue;
      const exists = await lstat(path.join(root, current)).then(() => true, () => false);
      if (exists) continue;
      missing.paths.push(current);
      if (!missing.parents.has(parent) && !missing.paths.includes(parent)) {
        const info = await lstat(path.join(root, parent));
        missing.parents.set(parent, { atime: info.atime, mtime: info.mtime });
      }
    }
  }
  return missing;
}

/**
 * Remove the mount points the runtime made, deepest first, where they are still empty, and give
 * their parents back their times: an unchanged directory then drops out of the layer.
 */
async function removeMountPoints(root: string, created: MissingPaths): Promise<void> {
  for (const relative of [...created.paths].sort((a, b) => b.split('/').length - a.split('/').length)) {
    const absolute = path.join(root, relative);
    const info = await lstat(absolute).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) {
      if ((await readdir(absolute)).length === 0) await rmdir(absolute).catch(() => undefined);
    } else if (info.isFile() && info.size === 0) {
      await unlink(absolute).catch(() => undefined);
    }
  }
  for (const [relative, times] of created.parents) {
    const absolute = relative === '' ? root : path.join(root, relative);
    const stillThere = created.paths.some((item) => path.posix.dirname(item) === (relative === '' ? '.' : relative) && existsSync(path.join(root, item)));
    if (!stillThere) await utimes(absolute, times.atime, times.mtime).catch(() => undefined);
  }
}
