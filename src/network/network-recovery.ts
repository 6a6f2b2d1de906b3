// Recovery after a crash: find every network object of one state root by scanning what exists, and remove or keep it.
import { teardownNetworkObjects, type NetworkContext } from './bridge-network.js';
import { listNetnsFiles, removeNetns } from './netns.js';

/**
 * Remove every sandbox (netns files under <run>/netns) and, unless `keepNetworks`, every network recorded under
 * <root>/networks with its bridge, nft table and forward rules. Every step is tried; all errors are returned.
 */
export async function removeAllNetworkObjects(context: NetworkContext, options: { keepNetworks?: boolean } = {}): Promise<Error[]> {
  const errors: Error[] = [];
  for (const nsPath of await listNetnsFiles(context.paths)) {
    await removeNetns(nsPath).catch((error: Error) => errors.push(error));
  }
  await context.store
    .locked(async () => {
      for (const record of await context.store.list()) {
        record.endpoints = {};
        record.ports = [];
        if (options.keepNetworks) {
          await context.store.write(record);
          continue;
        }
        const failed = await teardownNetworkObjects(context, record);
        errors.push(...failed);
        if (failed.length === 0) await context.store.remove(record.id);
      }
    })
    .catch((error: Error) => errors.push(error));
  return errors;
}
