// Shared setup for build tests: a private image store holding the busybox test image, a context dir, cleanup.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { loadImages } from '../../../src/image/archive-import.js';
import type { ImageRecord } from '../../../src/image/image-store-interface.js';
import { type ImageStore, openImageStore } from '../../../src/image/image-store.js';
import type { StatePaths } from '../../../src/state/paths.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { buildBusyboxOciLayout } from '../../helpers/test-image.js';

export interface BuildFixture {
  paths: StatePaths;
  store: ImageStore;
  /** `busybox:latest`: the three busybox test layers (whiteouts, opaque dir, hardlinks). */
  busybox: ImageRecord;
  /** What buildImage needs: the paths and the store, no registry (nothing is ever pulled from outside). */
  drivers: { paths: StatePaths; images: ImageStore };
  /** A fresh directory with these files (relative path → content); returns its path. */
  context(files: Record<string, string | Buffer>): Promise<string>;
}

export async function buildFixture(t: ExecutionContext): Promise<BuildFixture> {
  const paths = await tempStatePaths(t, 'bd');
  const store = await openImageStore(paths);
  const base = path.dirname(paths.root);
  buildBusyboxOciLayout(path.join(base, 'layout'), { tag: 'busybox:latest' });
  const [loaded] = await loadImages(store, path.join(base, 'layout'));
  if (!loaded) throw new Error('the busybox test image did not load');
  const dirs: string[] = [];
  t.teardown(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return {
    paths,
    store,
    busybox: loaded.record,
    drivers: { paths, images: store },
    async context(files) {
      const dir = await mkdtemp(path.join(tmpdir(), 'bd-ctx-'));
      dirs.push(dir);
      for (const [name, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await writeFile(path.join(dir, name), content);
      }
      return dir;
    },
  };
}
