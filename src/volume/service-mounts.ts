// A service's `volumes`, `tmpfs` and `volumes_from` → the runtime's mounts (creating volumes and bind sources as compose does).
import { randomBytes } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { RuntimeMount } from '../runtime/oci-spec.js';
import type { ServiceConfig, ServiceVolumeConfig, VolumeConfig } from '../spec/model.js';
import { parseByteSize } from '../spec/syntax/byte-size.js';
import type { VolumeStore } from './volume-store.js';

export interface MountContext {
  project: string;
  /** The project's top-level `volumes:`. */
  volumes: Record<string, VolumeConfig>;
  store: VolumeStore;
  /** The container's rootfs: named volumes are filled from it on first use. */
  rootfs: string;
  /** Mounts of the containers named by `volumes_from`, already looked up by the engine. */
  volumesFrom?: { mounts: readonly RuntimeMount[]; readOnly: boolean }[] | undefined;
}

export interface ResolvedMounts {
  mounts: RuntimeMount[];
  /** Volume names the container uses (for `volume rm` in-use checks). */
  volumes: string[];
}

const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

/** Real name of a project volume: its `name:` or `<project>_<key>`, as compose names it. */
export function volumeRealName(project: string, key: string, config: VolumeConfig | undefined): string {
  return config?.name ?? `${project}_${key}`;
}

function bindOptions(readOnly: boolean | undefined, propagation: string | undefined, keyPath: string): string[] {
  const mode = propagation ?? 'rprivate';
  if (!PROPAGATIONS.has(mode)) {
    throw new UserError(`invalid bind propagation "${mode}"`, { keyPath, hint: `use one of ${[...PROPAGATIONS].join(', ')}` });
  }
  return ['rbind', readOnly ? 'ro' : 'rw', mode];
}

/** What tmpfs(5) and mount(8) accept on a tmpfs; anything else would only fail inside runc, in its words. */
const TMPFS_OPTIONS = new Set([
  'size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'huge', 'mpol', 'ro', 'rw', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev',
  'sync', 'async', 'dirsync', 'atime', 'noatime', 'diratime', 'nodiratime', 'relatime', 'norelatime', 'strictatime', 'nostrictatime', 'tmpcopyup',
]);

/**
 * Docker's rules for a mount target: absolute, not the root, and not inside /proc (the runtime's own
 * proc mount; /sys stays allowed, e.g. /sys/fs/cgroup for systemd in a container).
 */
function checkMountTarget(target: string, keyPath: string): void {
  const clean = path.posix.normalize(target);
  if (!path.isAbsolute(clean)) throw new UserError(`mount target "${target}" is not absolute`, { keyPath, hint: 'write it from the root, e.g. /data' });
  if (clean === '/') throw new UserError('cannot mount over the container\'s root', { keyPath, hint: 'mount somewhere below it, e.g. /data' });
  if (clean === '/proc' || clean.startsWith('/proc/')) {
    throw new UserError(`cannot mount over ${clean}: /proc belongs to the container runtime`, { keyPath, hint: 'mount somewhere else, e.g. /data' });
  }
}

/** `/run`, `/run:size=64m,mode=755` (Docker's --tmpfs) → a tmpfs mount, noexec/nosuid/nodev unless overridden. */
export function parseTmpfsSpec(spec: string, keyPath: string): RuntimeMount {
  const colon = spec.indexOf(':');
  const destination = colon < 0 ? spec : spec.slice(0, colon);
  checkMountTarget(destination, keyPath);
  const extra = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  const options = ['nosuid', 'nodev', 'noexec'];
  for (const option of extra) {
    if (option.startsWith('size=')) {
      const value = option.slice(5);
      try {
        options.push(`size=${parseByteSize(/^\d+$/.test(value) ? Number(value) : value)}`);
      } catch {
        throw new UserError(`invalid tmpfs size "${value}"`, { keyPath, hint: 'e.g. size=64m' });
      }
    } else {
      const name = option.split('=')[0] ?? option;
      if (!TMPFS_OPTIONS.has(name)) throw new UserError(`unknown tmpfs option "${option}"`, { keyPath, hint: 'tmpfs takes size, mode, uid, gid, nr_inodes and mount flags such as ro, exec, noatime' });
      options.push(option);
    }
  }
  return { destination, type: 'tmpfs', source: 'tmpfs', options };
}

async function resolveVolume(volume: ServiceVolumeConfig, context: MountContext, keyPath: string): Promise<{ mount: RuntimeMount; name: string }> {
  let name: string;
  if (volume.source === undefined || volume.source === '') {
    // Anonymous volume, as Docker names them.
    name = randomBytes(32).toString('hex');
    await context.store.create(name, { labels: { 'com.docker.volume.anonymous': '' } });
  } else {
    const config = context.volumes[volume.source];
    if (!config) {
      throw new UserError(`service refers to undefined volume ${volume.source}`, {
        keyPath,
        hint: `declare it under the top-level volumes: key`,
      });
    }
    name = volumeRealName(context.project, volume.source, config);
    if (config.external) {
      await context.store.requireExisting(name, keyPath);
    } else {
      await context.store.create(name, {
        labels: {
          'com.docker.compose.project': context.project,
          'com.docker.compose.volume': volume.source,
          ...(config.labels ?? {}),
        },
        driverOptions: config.driver_opts,
      });
    }
  }
  if (!volume.volume?.nocopy) {
    await context.store.fillFromImage(name, path.join(context.rootfs, volume.target));
  }
  let source = context.store.dataPath(name);
  if (volume.volume?.subpath) {
    source = path.join(source, volume.volume.subpath);
    if (!source.startsWith(context.store.dataPath(name) + path.sep)) {
      throw new UserError(`volume subpath "${volume.volume.subpath}" leaves the volume`, { keyPath });
    }
    const info = await stat(source).catch(() => undefined);
    if (!info?.isDirectory()) throw new UserError(`volume subpath "${volume.volume.subpath}" does not exist in volume ${name}`, { keyPath });
  }
  return { mount: { destination: volume.target, type: 'bind', source, options: bindOptions(volume.read_only, undefined, keyPath) }, name };
}

async function resolveBind(volume: ServiceVolumeConfig, keyPath: string): Promise<RuntimeMount> {
  const source = volume.source ?? '';
  if (!path.isAbsolute(source)) throw new UserError(`bind source "${source}" is not an absolute path`, { keyPath });
  const info = await stat(source).catch(() => undefined);
  if (!info) {
    // compose creates a missing host directory unless create_host_path is false (long syntax).
    if (volume.bind?.create_host_path === false || volume.bind === undefined) {
      throw new UserError(`bind source path does not exist: ${source}`, {
        keyPath,
        hint: 'create the path on the host, or set bind.create_host_path: true',
      });
    }
    await mkdir(source, { recursive: true });
  }
  return { destination: volume.target, type: 'bind', source, options: bindOptions(volume.read_only, volume.bind?.propagation, keyPath) };
}

/** Every mount the service asks for. Named volumes are created (or must exist when external) and filled on first use. */
export async function resolveServiceMounts(service: ServiceConfig, context: MountContext): Promise<ResolvedMounts> {
  const mounts: RuntimeMount[] = [];
  const volumes: string[] = [];
  for (const from of context.volumesFrom ?? []) {
    for (const mount of from.mounts) {
      if (mount.type !== 'bind') continue;
      const options = mount.options.map((option) => (from.readOnly && option === 'rw' ? 'ro' : option));
      mounts.push({ ...mount, options });
    }
  }
  for (const [index, volume] of (service.volumes ?? []).entries()) {
    const keyPath = `volumes[${index}]`;
    checkMountTarget(volume.target, keyPath);
    switch (volume.type) {
      case 'volume': {
        const { mount, name } = await resolveVolume(volume, context, keyPath);
        mounts.push(mount);
        volumes.push(name);
        break;
      }
      case 'bind':
        mounts.push(await resolveBind(volume, keyPath));
        break;
      case 'tmpfs': {
        const options = ['nosuid', 'nodev', 'noexec'];
        if (volume.tmpfs?.size !== undefined) options.push(`size=${volume.tmpfs.size}`);
        if (volume.tmpfs?.mode !== undefined) options.push(`mode=${volume.tmpfs.mode.toString(8)}`);
        if (volume.read_only) options.push('ro');
        mounts.push({ destination: volume.target, type: 'tmpfs', source: 'tmpfs', options });
        break;
      }
      default:
        throw new UserError(`volume type "${volume.type}" is not supported`, { keyPath, hint: 'use volume, bind or tmpfs' });
    }
  }
  for (const [index, spec] of (service.tmpfs ?? []).entries()) mounts.push(parseTmpfsSpec(spec, `tmpfs[${index}]`));
  // A later mount on the same target replaces an earlier one (volumes_from first, then the service's own).
  const byTarget = new Map<string, RuntimeMount>();
  for (const mount of mounts) byTarget.set(mount.destination, mount);
  return { mounts: [...byTarget.values()], volumes };
}
