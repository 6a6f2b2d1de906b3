// Container records on disk (one JSON per container, written atomically) and the layout of a container's files.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';
import type { RuntimeMount } from './oci-spec.js';

/** Where one container's files live. Persistent parts under root, volatile under run. */
export interface ContainerFiles {
  /** Persistent: the record and the log. */
  dir: string;
  record: string;
  log: string;
  /** Volatile: the OCI bundle (config.json), pid files, conmon's persist dir (its `oom` marker). */
  bundle: string;
  configJson: string;
  pidFile: string;
  conmonPidFile: string;
  oomMarker: string;
  /** conmon writes `<exitDir>/<id>` with the exit code. */
  exitFile: string;
}

/** The directories shared by all containers. */
export interface RuntimeDirs {
  containers: string;
  bundles: string;
  exits: string;
  runcRoot: string;
  sockets: string;
}

export function runtimeDirs(paths: StatePaths): RuntimeDirs {
  return {
    containers: path.join(paths.root, 'containers'),
    bundles: path.join(paths.run, 'containers'),
    exits: path.join(paths.run, 'exits'),
    runcRoot: path.join(paths.run, 'runc'),
    sockets: path.join(paths.run, 'conmon'),
  };
}

export function containerFiles(dirs: RuntimeDirs, id: string): ContainerFiles {
  const dir = path.join(dirs.containers, id);
  const bundle = path.join(dirs.bundles, id);
  return {
    dir,
    record: path.join(dir, 'container.json'),
    log: path.join(dir, `${id}.log`),
    bundle,
    configJson: path.join(bundle, 'config.json'),
    pidFile: path.join(bundle, 'pid'),
    conmonPidFile: path.join(bundle, 'conmon.pid'),
    oomMarker: path.join(bundle, 'oom'),
    exitFile: path.join(dirs.exits, id),
  };
}

/** What berth remembers about a container; the live state comes from runc and the exit file. */
export interface ContainerRecord {
  id: string;
  name: string;
  /** Compose labels (`com.docker.compose.project`, `.service`, `.container-number`, `.config-hash`, `.oneoff`) and the service's. */
  labels: Record<string, string>;
  image: string;
  created: string;
  rootfs: string;
  netnsPath?: string | undefined;
  /** The service's mounts as given to the runtime (volumes_from copies them). */
  mounts: RuntimeMount[];
  stopSignal: string;
  stopGracePeriodMs: number;
  tty: boolean;
  stdinOpen: boolean;
  log: { maxSize?: number | undefined; maxFiles?: number | undefined };
  /** Container init's pid and its start time (clock ticks since boot), to tell it from a reused pid. */
  pid?: number | undefined;
  pidStartTime?: string | undefined;
  startedAt?: string | undefined;
  /** Set when berth asked it to stop (a stop is not a crash for restart policies). */
  stopRequested?: boolean | undefined;
  /** How: `stop` (berth stopped it for a goal: a later goal may start it again) or `kill` (stands until the next request). */
  stoppedBy?: 'stop' | 'kill' | undefined;
  /** Set by pause, cleared by resume: lets status come from the pid alone, without asking runc. */
  paused?: boolean | undefined;
}

/**
 * Atomic (temp + rename) but not fsynced: records change at every lifecycle step, a power cut ends
 * the containers they describe anyway, and ext4 flushes data replaced by rename. fsync cost 7 ms a write.
 */
export async function writeContainerRecord(files: ContainerFiles, record: ContainerRecord): Promise<void> {
  await writeJsonAtomic(files.record, record, { durable: false });
}

export async function readContainerRecord(files: ContainerFiles): Promise<ContainerRecord | undefined> {
  try {
    return JSON.parse(await readFile(files.record, 'utf8')) as ContainerRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function listContainerRecords(dirs: RuntimeDirs): Promise<ContainerRecord[]> {
  let ids: string[];
  try {
    ids = await readdir(dirs.containers);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records = await Promise.all(ids.map((id) => readContainerRecord(containerFiles(dirs, id))));
  return records.filter((record): record is ContainerRecord => record !== undefined);
}

/** Field 22 of /proc/<pid>/stat: when the process started. Undefined when it is gone. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
