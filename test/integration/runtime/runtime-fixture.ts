// Shared setup for runtime integration tests: a runtime on private state roots, a busybox rootfs, cleanup.
import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { ContainerRuntime, type CreateContainerRequest } from '../../../src/runtime/container-runtime.js';
import type { ServiceConfig } from '../../../src/spec/model.js';
import { busyboxRootfs } from '../../helpers/busybox-rootfs.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

export interface RuntimeFixture {
  runtime: ContainerRuntime;
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
    await runtime.create({
      id,
      name: `test-${id.slice(0, 8)}`,
      service,
      image: { reference: 'busybox:test', config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] } },
      rootfs: extra.rootfs ?? rootfs,
      ...extra,
    });
    return id;
  };
  return {
    runtime,
    rootfs,
    create,
    async run(service, extra) {
      const id = await create(service, extra);
      await runtime.start(id);
      return id;
    },
  };
}
