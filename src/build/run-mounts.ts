// RUN --mount: cache directories that outlive builds, tmpfs, read-only binds of the context, a stage or an image,
// and build secrets (files the command reads, never part of a layer or of the cache key).
import { createHash } from 'node:crypto';
import { chown, chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError, ValueError } from '../errors.js';
import type { RuntimeMount } from '../runtime/oci-spec.js';
import type { StatePaths } from '../state/paths.js';
import { copyIntoRootfs, type CopyItem } from './copy-files.js';
import type { SourceTree } from './source-tree.js';

/** One `--mount=` of a RUN, parsed. */
export type RunMountSpec =
  | { type: 'cache'; target: string; id: string; sharing: 'shared' | 'private' | 'locked'; mode: number; uid: number; gid: number; readonly: boolean }
  | { type: 'tmpfs'; target: string; size?: number | undefined }
  | { type: 'bind'; target: string; source: string; from?: string | undefined; readwrite: boolean }
  | { type: 'secret'; target: string; id: string; required: boolean; mode: number; uid: number; gid: number };

/** A secret a build may mount: its bytes, from compose's `secrets:` (`file:` or `environment:`). */
export type BuildSecrets = ReadonlyMap<string, Uint8Array>;

const KEY_ALIASES: Record<string, string> = { dst: 'target', destination: 'target', src: 'source', readonly: 'ro', readwrite: 'rw' };

/** Parse `type=cache,target=/root/.cache,...` (variables already expanded). */
export function parseRunMount(text: string): RunMountSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const rawKey = (equals < 0 ? part : part.slice(0, equals)).trim().toLowerCase();
    const key = KEY_ALIASES[rawKey] ?? rawKey;
    fields.set(key, equals < 0 ? 'true' : part.slice(equals + 1));
  }
  const type = fields.get('type') ?? 'bind';
  // A secret needs no target: it lands in /run/secrets/<id> (and an id defaults to the target's name).
  if (type === 'secret' && !fields.has('target')) {
    const id = fields.get('id');
    if (id === undefined || id === '') throw new ValueError(`--mount=${text} names no secret`, 'write --mount=type=secret,id=NAME');
    fields.set('target', `/run/secrets/${id}`);
  }
  const target = fields.get('target');
  if (target === undefined || target === '') throw new ValueError(`--mount=${text} has no target`, 'write --mount=type=cache,target=/path');
  if (!target.startsWith('/')) throw new ValueError(`--mount target ${target} is not an absolute path`);
  const flag = (name: string): boolean => {
    const value = fields.get(name);
    if (value === undefined) return false;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new ValueError(`--mount ${name}=${value}: expected true or false`);
  };
  const number = (name: string, fallback: number, radix = 10): number => {
    const value = fields.get(name);
    if (value === undefined) return fallback;
    const parsed = Number.parseInt(value, radix);
    if (!Number.isInteger(parsed) || parsed < 0 || !/^[0-9a-f]+$/i.test(value)) throw new ValueError(`--mount ${name}=${value} is not a number`);
    return parsed;
  };
  switch (type) {
    case 'cache': {
      const sharing = fields.get('sharing') ?? 'shared';
      if (sharing !== 'shared' && sharing !== 'private' && sharing !== 'locked') throw new ValueError(`--mount sharing=${sharing}: expected shared, private or locked`);
      if (fields.has('from') || fields.has('source')) throw new ValueError('--mount=type=cache with from= or source= is not supported by berth');
      return { type, target, id: fields.get('id') ?? target, sharing, mode: number('mode', 0o755, 8), uid: number('uid', 0), gid: number('gid', 0), readonly: flag('ro') };
    }
    case 'tmpfs':
      return { type, target, ...(fields.has('size') ? { size: number('size', 0) } : {}) };
    case 'bind':
      return { type, target, source: fields.get('source') ?? '/', from: fields.get('from'), readwrite: flag('rw') };
    case 'secret':
      if (fields.has('env')) throw new ValueError('RUN --mount=type=secret,env= is not supported by berth', 'mount it as a file (target=) and read it from there');
      return { type, target, id: fields.get('id') ?? path.posix.basename(target), required: flag('required'), mode: number('mode', 0o400, 8), uid: number('uid', 0), gid: number('gid', 0) };
    case 'ssh':
      throw new ValueError(`RUN --mount=type=${type} is not supported by berth`, 'COPY what the command needs, or pass it as a build arg');
    default:
      throw new ValueError(`unknown --mount type "${type}"`, 'use cache, tmpfs, bind or secret');
  }
}

export type BindMountSpec = Extract<RunMountSpec, { type: 'bind' }>;

/** Where cache mounts live between builds. */
export function cacheMountDir(paths: StatePaths, id: string): string {
  return path.join(paths.root, 'build', 'cache-mounts', createHash('sha256').update(id).digest('hex').slice(0, 32));
}

/** The mounts of one RUN, made ready on the host; `release` undoes what they needed (copies, locks). */
export interface PreparedMounts {
  mounts: RuntimeMount[];
  release(): Promise<void>;
}

const locks = new Map<string, Promise<void>>();

/**
 * Make each mount's host side: the cache directory (created with mode and owner the first time), a
 * private copy of a bind's files (so `.dockerignore` applies and writes with `rw` go nowhere).
 * `bindSource` gives the tree a bind reads (the context, a stage's or an image's view).
 */
export async function prepareRunMounts(
  specs: readonly RunMountSpec[],
  paths: StatePaths,
  scratchDir: string,
  withBindTree: <T>(spec: BindMountSpec, work: (tree: SourceTree) => Promise<T>) => Promise<T>,
  secrets: BuildSecrets = new Map(),
): Promise<PreparedMounts> {
  const mounts: RuntimeMount[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  const release = async (): Promise<void> => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  try {
    for (const spec of specs) {
      if (spec.type === 'secret') {
        const value = secrets.get(spec.id);
        if (value === undefined) {
          // As BuildKit: a secret the build was not given is skipped, unless the step requires it.
          if (!spec.required) continue;
          throw new UserError(`RUN --mount=type=secret,id=${spec.id} is required, but the build has no secret ${spec.id}`, {
            hint: `list ${spec.id} under the service's build.secrets (defined in the top-level secrets:)`,
          });
        }
        // A private copy with the step's owner and mode: the source file is never exposed or changed.
        const dir = await mkdtemp(path.join(scratchDir, 'secret-'));
        cleanup.push(() => rm(dir, { recursive: true, force: true }));
        const file = path.join(dir, 'secret');
        await writeFile(file, value, { mode: spec.mode });
        await chown(file, spec.uid, spec.gid);
        await chmod(file, spec.mode);
        mounts.push({ destination: spec.target, type: 'bind', source: file, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
      } else if (spec.type === 'tmpfs') {
        mounts.push({ destination: spec.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(spec.size ? [`size=${spec.size}`] : [])] });
      } else if (spec.type === 'cache') {
        let dir = cacheMountDir(paths, spec.id);
        if (spec.sharing === 'private') {
          dir = await mkdtemp(path.join(scratchDir, 'cache-'));
          cleanup.push(() => rm(dir, { recursive: true, force: true }));
        } else if (spec.sharing === 'locked') {
          cleanup.push(await lock(dir));
        }
        await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
        const created = await mkdir(dir, { mode: spec.mode }).then(() => true, (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
          return false;
        });
        if (created || spec.sharing === 'private') {
          await chown(dir, spec.uid, spec.gid);
          await chmod(dir, spec.mode);
        }
        mounts.push({ destination: spec.target, type: 'bind', source: dir, options: ['rbind', spec.readonly ? 'ro' : 'rw'] });
      } else {
        const copy = await mkdtemp(path.join(scratchDir, 'bind-'));
        cleanup.push(() => rm(copy, { recursive: true, force: true }));
        const single = await withBindTree(spec, async (tree) => {
          const items: CopyItem[] = (await tree.match(spec.source)).map((entry) => ({ tree, entry }));
          const file = items.length === 1 && items[0]?.entry.kind !== 'directory';
          await copyIntoRootfs(items, [], { rootfs: copy, dest: file ? '/source' : '/', keepSourceOwners: spec.from !== undefined, extractArchives: false, what: `RUN --mount source=${spec.source}` });
          return file;
        });
        mounts.push({ destination: spec.target, type: 'bind', source: single ? path.join(copy, 'source') : copy, options: ['rbind', spec.readwrite ? 'rw' : 'ro'] });
      }
    }
    return { mounts, release };
  } catch (error) {
    await release();
    if (error instanceof ValueError) throw new UserError(error.message, { hint: error.hint });
    throw error;
  }
}

/** Wait for and take the in-process lock of a `sharing=locked` cache; returns its release. */
async function lock(key: string): Promise<() => Promise<void>> {
  const previous = locks.get(key) ?? Promise.resolve();
  let unlock: () => void = () => undefined;
  const mine = new Promise<void>((resolve) => {
    unlock = resolve;
  });
  const chained = previous.then(() => mine);
  locks.set(key, chained);
  await previous;
  return async () => {
    unlock();
    if (locks.get(key) === chained) locks.delete(key);
  };
}
