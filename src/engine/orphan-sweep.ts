// Pieces of containers that nothing names any more: an engine killed halfway through removing a
// container leaves its netns, endpoints, ports and rootfs behind once its record is gone. Found at
// engine start by their container ids, which name every netns file and rootfs directory.
import { readdir } from 'node:fs/promises';
import { rootfsBaseDir } from '../image/rootfs.js';
import { netnsDirectory } from '../network/netns.js';
import { runtimeDirs } from '../runtime/container-record.js';
import type { StatePaths } from '../state/paths.js';
import { createIntents } from './create-intents.js';

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** Ids with a netns file, a rootfs, a record directory or a bundle, but neither a container record nor a create intent. */
export async function orphanedContainerIds(paths: StatePaths, recordIds: ReadonlySet<string>): Promise<string[]> {
  const entries = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [])).filter((name) => CONTAINER_ID.test(name));
  // A container being made by a live engine has an intent until its record is written.
  const intents = new Set((await createIntents(paths)).map((intent) => intent.id));
  const dirs = runtimeDirs(paths);
  const ids = new Set(
    (await Promise.all([netnsDirectory(paths), rootfsBaseDir(paths), dirs.containers, dirs.bundles].map(entries))).flat(),
  );
  return [...ids].filter((id) => !recordIds.has(id) && !intents.has(id)).sort();
}
