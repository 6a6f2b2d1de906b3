// Shared pieces of the registry tests: skopeo as the second client, a busybox image pushed by skopeo, a blob store per test.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { type FileBlobStore, openBlobStore } from '../../../src/image/blob-store.js';
import { type BuiltTestImage, buildBusyboxOciLayout, type TestImageOptions } from '../../helpers/test-image.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

const run = promisify(execFile);

/** Run skopeo; its registry TLS checks are off only for plain-http loopback registries (`tlsVerify: false`). */
export async function skopeo(args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', args, { maxBuffer: 1 << 26 });
  return stdout;
}

/** A temp dir removed in the test's teardown. */
export function tempDir(t: ExecutionContext, label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `berth-${label}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Build the busybox test image as an OCI layout and `skopeo copy` it to `docker://<host>/<repo>:<tag>`. */
export async function pushBusyboxWithSkopeo(
  t: ExecutionContext,
  destination: string,
  extraArgs: string[] = ['--dest-tls-verify=false'],
  options: TestImageOptions = {},
): Promise<BuiltTestImage> {
  const layout = path.join(tempDir(t, 'oci'), 'layout');
  const built = buildBusyboxOciLayout(layout, { tag: 'busybox:latest', ...options });
  await skopeo(['copy', '--quiet', ...extraArgs, `oci:${layout}:latest`, `docker://${destination}`]);
  return built;
}

/** A fresh blob store under the test's own state root. */
export async function testBlobStore(t: ExecutionContext): Promise<FileBlobStore> {
  return openBlobStore(await tempStatePaths(t, 'berth-registry'));
}
