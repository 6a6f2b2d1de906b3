// Named volumes (local driver): data under <root>/volumes/<name>/_data and a record beside it; ls/inspect/rm/prune.
import { execFile } from 'node:child_process';
import { lstat, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SystemError, UserError } from '../errors.js';
import { ensureDirectory, writeJsonAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';

const run = promisify(execFile);

export interface VolumeRecord {
  name: string;
  driver: 'local';
  labels: Record<string, string>;
  options: Record<string, string>;
  created: string;
  /** The directory containers mount. */
  mountpoint: string;
}

/** Docker's rule for volume names. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class VolumeStore {
  readonly dir: string;

  constructor(paths: StatePaths) {
    this.dir = path.join(paths.root, 'volumes');
  }

  private recordPath(name: string): string {
    return path.join(this.dir, name, 'volume.json');
  }

  dataPath(name: string): string {
    return path.join(this.dir, name, '_data');
  }

  /** Create the volume, or return the existing one (labels of an existing volume are kept, as Docker does). */
  async create(name: string, options: { labels?: Record<string, string>; driverOptions?: Record<string, string> } = {}): Promise<VolumeRecord> {
    if (!VOLUME_NAME.test(name)) {
      throw new UserError(`invalid volume name "${name}"`, { hint: 'use letters, digits, "_", "." and "-", starting with a letter or digit' });
    }
    const existing = await this.inspect(name);
    if (existing) return existing;
    if (options.driverOptions && Object.keys(options.driverOptions).length > 0) {
      throw new UserError(`volume ${name}: driver_opts are not supported by berth's local driver`, { hint: 'remove driver_opts' });
    }
    const record: VolumeRecord = {
      name,
      driver: 'local',
      labels: { ...(options.labels ?? {}) },
      options: {},
      created: new Date().toISOString(),
      mountpoint: this.dataPath(name),
    };
    await ensureDirectory(record.mountpoint, 0o755);
    await writeJsonAtomic(this.recordPath(name), record);
    return record;
  }

  async inspect(name: string): Promise<VolumeRecord | undefined> {
    if (!VOLUME_NAME.test(name)) return undefined;
    try {
      return JSON.parse(await readFile(this.recordPath(name), 'utf8')) as VolumeRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** An external volume must already exist. */
  async requireExisting(name: string, keyPath?: string): Promise<VolumeRecord> {
    const record = await this.inspect(name);
    if (!record) {
      throw new UserError(`external volume "${name}" not found`, { keyPath, hint: `create it first: berth volume create ${name}` });
    }
    return record;
  }

  async list(filter: { labels?: Record<string, string> } = {}): Promise<VolumeRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records = (await Promise.all(names.map((name) => this.inspect(name)))).filter(
      (record): record is VolumeRecord => record !== undefined,
    );
    const wanted = Object.entries(filter.labels ?? {});
    return records
      .filter((record) => wanted.every(([key, value]) => record.labels[key] === value))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Remove a volume; one in use (`inUse` names it) is refused unless forced. */
  async remove(name: string, inUse: ReadonlySet<string> = new Set(), options: { force?: boolean } = {}): Promise<void> {
    const record = await this.inspect(name);
    if (!record) {
      if (options.force) return;
      throw new UserError(`no such volume: ${name}`);
    }
    if (inUse.has(name)) throw new UserError(`volume ${name} is in use`, { hint: 'remove the containers that use it first' });
    await rm(path.join(this.dir, name), { recursive: true, force: true });
  }

  /** Remove every volume not in use (and matching the labels); returns the removed names. */
  async prune(inUse: ReadonlySet<string>, filter: { labels?: Record<string, string> } = {}): Promise<string[]> {
    const removed: string[] = [];
    for (const record of await this.list(filter)) {
      if (inUse.has(record.name)) continue;
      await rm(path.join(this.dir, record.name), { recursive: true, force: true });
      removed.push(record.name);
    }
    return removed;
  }

  /**
   * Docker's copy-up: a volume whose directory is empty gets the image's content at the mount
   * target (ownership, modes, links and times kept) the first time a container mounts it.
   */
  async fillFromImage(name: string, imagePath: string): Promise<boolean> {
    const data = this.dataPath(name);
    if ((await readdir(data)).length > 0) return false;
    const source = await lstat(imagePath).catch(() => undefined);
    if (!source?.isDirectory()) return false;
    try {
      // cp -a keeps owners, modes, hard links, xattrs and times; this runs once per volume, off the hot path.
      await run('cp', ['-a', '--', `${imagePath}/.`, `${data}/`]);
      await run('chown', ['--reference', imagePath, data]);
      await run('chmod', ['--reference', imagePath, data]);
    } catch (error) {
      throw new SystemError((error as Error).message, `copy image content into volume ${name}`);
    }
    return true;
  }
}
