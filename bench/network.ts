// Scenario "network": endpoint setup (netns + veth + address + routes) one at a time and 50 at once, teardown of 50.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetwork, networkContext } from '../src/network/bridge-network.js';
import { createNetnsFile, netnsPathFor, prepareNetnsDirectory, removeNetns } from '../src/network/netns.js';
import { removeAllNetworkObjects } from '../src/network/network-recovery.js';
import { createSandbox, removeSandbox } from '../src/network/sandbox.js';
import { UnmountFlag, berthSys } from '../src/native/berth-sys.js';
import { type BenchResult, summarize } from './stats.js';

const ENDPOINTS = 50;

/** Needs root. Uses 10.238.0.0/24 and a private state root; removes everything it made. */
export async function benchNetwork(runs: number): Promise<BenchResult[]> {
  const base = mkdtempSync(join(tmpdir(), 'berth-bench-net-'));
  const context = networkContext({ root: join(base, 'root'), run: join(base, 'run') });
  const single: number[] = [];
  const kernelOnly: number[] = [];
  const batchSetup: number[] = [];
  const batchTeardown: number[] = [];
  try {
    const network = await createNetwork(context, { name: 'bench', keyPath: 'networks.bench', config: { ipam: { config: [{ subnet: '10.238.0.0/24' }] } } });
    await prepareNetnsDirectory(context.paths);
    // Warm-up: the worker thread starts and loads its modules on first use.
    await createSandbox(context, { container: 'warm', endpoints: [{ network: 'bench', keyPath: 'n' }] });
    await removeSandbox(context, 'warm');
    for (let i = 0; i < Math.max(runs, 20); i++) {
      const started = performance.now();
      await createSandbox(context, { container: `one-${i}`, endpoints: [{ network: 'bench', keyPath: 'n' }] });
      single.push(performance.now() - started);
      await removeSandbox(context, `one-${i}`);
      // The netlink part alone (no records, no lock): what the kernel and the worker cost.
      const nsPath = netnsPathFor(context.paths, `raw-${i}`);
      const rawStarted = performance.now();
      await createNetnsFile(nsPath);
      await context.netlink.setupSandbox(nsPath, true, [
        { hostIfname: `bvbench${i}`, bridge: network.bridge, ifname: 'eth0', mac: '02:42:0a:ee:00:fe', address: '10.238.0.254', prefixLength: 24, defaultGateway: '10.238.0.1' },
      ]);
      kernelOnly.push(performance.now() - rawStarted);
      await removeNetns(nsPath);
    }
    for (let run = 0; run < Math.min(runs, 5); run++) {
      const names = Array.from({ length: ENDPOINTS }, (_, i) => `batch-${run}-${i}`);
      let started = performance.now();
      await Promise.all(names.map((container) => createSandbox(context, { container, endpoints: [{ network: 'bench', keyPath: 'n' }] })));
      batchSetup.push(performance.now() - started);
      started = performance.now();
      await Promise.all(names.map((container) => removeSandbox(context, container)));
      batchTeardown.push(performance.now() - started);
    }
  } finally {
    await removeAllNetworkObjects(context);
    try {
      berthSys().umount2(join(base, 'run', 'netns'), UnmountFlag.DETACH);
    } catch {
      // not mounted
    }
    rmSync(base, { recursive: true, force: true });
    await context.netlink.close();
  }
  return [
    summarize('network: endpoint setup (sandbox, records, one at a time)', 'ms', single, { target: 3 }),
    summarize('network: endpoint setup (netlink only)', 'ms', kernelOnly),
    summarize(`network: ${ENDPOINTS} endpoints at once`, 'ms', batchSetup, { target: 150 }),
    summarize(`network: teardown of ${ENDPOINTS}`, 'ms', batchTeardown, { target: 150 }),
  ];
}
