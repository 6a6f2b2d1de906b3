// Recovery after a crash: find every network object of one state root by scanning what exists, and remove or adopt it.
import { readFile } from 'node:fs/promises';
import { type NetworkContext, buildNetworkObjects, teardownNetworkObjects } from './bridge-network.js';
import { applyNftDeletions, applyNftScript, listBerthTables, portForwardScript, tableName } from './firewall.js';
import { listNetnsFiles, netnsDirectory, removeNetns } from './netns.js';

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
        const ports = record.ports;
        record.endpoints = {};
        record.ports = [];
        if (options.keepNetworks) {
          await applyNftDeletions(portForwardScript(record.id, ports, 'delete')).catch((error: Error) => errors.push(error));
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

export interface AdoptionReport {
  /** Networks whose bridge or table was missing and was made again. */
  rebuilt: string[];
  /** `container@network` endpoints whose netns is gone: their addresses and ports are released. */
  released: string[];
  errors: Error[];
}

/**
 * Make the records and the kernel agree again after a crash, keeping what works (the `up` side of recovery): an
 * endpoint whose netns is no longer mounted is released, a network whose bridge or nft table is gone is rebuilt
 * with its published ports.
 */
export async function adoptNetworkState(context: NetworkContext): Promise<AdoptionReport> {
  const report: AdoptionReport = { rebuilt: [], released: [], errors: [] };
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = `${netnsDirectory(context.paths)}/`;
  const mounted = new Set(mountinfo.split('\n').map((line) => line.split(' ')[4] ?? '').filter((target) => target.startsWith(prefix)));
  const [links, tables] = await Promise.all([context.netlink.listLinks(), listBerthTables()]);
  const linkNames = new Set(links.map((link) => link.name));
  await context.store
    .transact(async (records, changed) => {
      for (const record of records) {
        let deletions = '';
        for (const [container, endpoint] of Object.entries(record.endpoints)) {
          if (mounted.has(endpoint.netnsPath)) continue;
          delete record.endpoints[container];
          deletions += portForwardScript(record.id, record.ports.filter((port) => port.container === container), 'delete');
          record.ports = record.ports.filter((port) => port.container !== container);
          report.released.push(`${container}@${record.name}`);
          changed.add(record);
        }
        if (linkNames.has(record.bridge) && tables.includes(tableName(record.id))) {
          await applyNftDeletions(deletions).catch((error: Error) => report.errors.push(error));
          continue;
        }
        // Half there is not there: clear what is left, then make the whole network again.
        report.errors.push(...(await teardownNetworkObjects(context, record)));
        try {
          await buildNetworkObjects(context, record);
          await applyNftScript(portForwardScript(record.id, record.ports, 'add'));
          report.rebuilt.push(record.name);
        } catch (error) {
          report.errors.push(error as Error);
        }
        changed.add(record);
      }
    })
    .catch((error: Error) => report.errors.push(error));
  return report;
}
