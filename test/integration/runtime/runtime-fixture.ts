// Shared setup for runtime integration tests: a runtime on private state roots, a busybox rootfs, cleanup.
import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { ContainerRuntime, type CreateContainerRequest } from '../../../src/runtime/container-runtime.js';
import type { ServiceConfig, VolumeConfig } from '../../../src/spec/model.js';
import { resolveServiceMounts } from '../../../src/volume/service-mounts.js';
import { VolumeStore } from '../../../src/volume/volume-store.js';
import { busyboxRootfs } from '../../helpers/busybox-rootfs.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

export interface RuntimeFixture {
  runtime: ContainerRuntime;
  volumes: VolumeStore;
  /** The project's top-level volumes used to resolve `volumes:` of services. */
  projectVolumes: Record<string, VolumeConfig>;
  rootfs: string;
  /** Create (not start) a container from a service; it is force-deleted in teardown. */
  create(service: ServiceConfig, extra?: Partial<CreateContainerRequest>): Promise<string>;
  /** Create and start; resolves with the id. */
  run(service: ServiceConfig, extra?: Partial<CreateContainerRequest>): Promise<string>;
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export async function runtimeFixture(t: ExecutionContext): Promise<RuntimeFixture> {
  const paths = await tempStatePaths(t, 'berth-rt');
  const runtime = new ContainerRuntime(paths);
  const volumes = new VolumeStore(paths);
  const projectVolumes: Record<string, VolumeConfig> = {};
  const rootfs = await busyboxRootfs(t);
  const ids: string[] = [];
  // Registered after tempStatePaths, so it runs first (ava runs teardowns in reverse order).
  t.teardown(async () => {
    for (const id of ids) {
      await runtime.delete(id, { force: true }).catch(() => undefined);
    }
    runtime.close();
  });
  const create = async (service: ServiceConfig, extra: Partial<CreateContainerRequest> = {}): Promise<string> => {
    const id = extra.id ?? newContainerId();
    ids.push(id);
    const containerRootfs = extra.rootfs ?? rootfs;
    const mounts = extra.mounts ?? (await resolveServiceMounts(service, { project: 'test', volumes: projectVolumes, store: volumes, rootfs: containerRootfs })).mounts;
    await runtime.create({
      id,
      name: `test-${id.slice(0, 8)}`,
      service,
      image: { reference: 'busybox:test', config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] } },
      rootfs: containerRootfs,
      ...extra,
      mounts,
    });
    return id;
  };
  return {
    runtime,
    volumes,
    projectVolumes,
    rootfs,
    create,
    async run(service, extra) {
      const id = await create(service, extra);
      await runtime.start(id);
      return id;
    },
  };
}

/** Everything the container wrote to stdout and stderr, one string. */
export async function logText(runtime: ContainerRuntime, id: string): Promise<string> {
  const { readContainerLog } = await import('../../../src/runtime/k8s-log.js');
  const entries = await readContainerLog(runtime.files(id).log);
  return entries.map((entry) => `${entry.text}\n`).join('');
}

/** Run a one-shot container to its end; returns exit code and output. */
export async function runToExit(
  fixture: RuntimeFixture,
  service: ServiceConfig,
  extra?: Partial<CreateContainerRequest>,
): Promise<{ id: string; exitCode: number | undefined; output: string }> {
  const id = await fixture.run(service, extra);
  const status = await fixture.runtime.wait(id, 20_000);
  return { id, exitCode: status?.exitCode, output: await logText(fixture.runtime, id) };
}

/** Pids of conmon processes whose command line names `id`. */
export async function conmonProcessesOf(id: string): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('/usr/bin/conmon') && cmdline.includes(id)) pids.push(Number(entry));
  }
  return pids;
}

/** Assert that no trace of the container remains: record, bundle, runc state, conmon, mounts. */
export async function assertNothingLeft(t: ExecutionContext, runtime: ContainerRuntime, id: string): Promise<void> {
  const { access, readFile } = await import('node:fs/promises');
  const files = runtime.files(id);
  for (const file of [files.dir, files.bundle, files.exitFile]) {
    await t.throwsAsync(access(file), undefined, `${file} should not exist`);
  }
  t.is(await runtime.runc.state(id), undefined, 'runc still knows the container');
  t.deepEqual(await conmonProcessesOf(id), [], 'a conmon is still running');
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  t.false(mountinfo.includes(id), 'a mount names the container');
}

