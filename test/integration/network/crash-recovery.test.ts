import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import test from 'ava';
import { createNetwork, networkContext } from '../../../src/network/bridge-network.js';
import { listBerthTables } from '../../../src/network/firewall.js';
import { netlinkClient } from '../../../src/network/netlink-client.js';
import { removeNetns } from '../../../src/network/netns.js';
import { adoptNetworkState, removeAllNetworkObjects } from '../../../src/network/network-recovery.js';
import { createSandbox } from '../../../src/network/sandbox.js';
import { inNetns } from '../../helpers/netns.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

test('after SIGKILL halfway through 20 endpoints, recovery removes every netns, veth, bridge and table', async (t) => {
  const paths = await tempStatePaths(t, 'storm');
  const context = networkContext(paths);
  t.teardown(async () => {
    await removeAllNetworkObjects(context);
  });
  const child = spawn(process.execPath, ['--import=tsx', new URL('fixtures/endpoint-storm.ts', import.meta.url).pathname], {
    env: { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, STORM_SUBNET: '10.234.1.0/24' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let made = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      made += (chunk.toString().match(/^sandbox/gm) ?? []).length;
      if (made >= 8) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', () => resolve());
  });
  t.is(await exited, 'SIGKILL');
  const [record] = await context.store.list();
  if (!record) return t.fail('the killed engine left no network record');
  t.true(Object.keys(record.endpoints).length >= 8);
  t.true((await readdir(`${paths.run}/netns`)).length >= 8);

  t.deepEqual(await removeAllNetworkObjects(context), []);

  t.deepEqual(await readdir(`${paths.run}/netns`), []);
  t.deepEqual(await context.store.list(), []);
  t.false((await listBerthTables()).includes(`berth-${record.id.slice(0, 12)}`));
  const hostNames = new Set(Object.values(record.endpoints).map((endpoint) => endpoint.hostIfname));
  // The kernel frees a netns (and its veth) asynchronously once its last reference is gone.
  let leftovers: string[] = [];
  for (let attempt = 0; attempt < 250; attempt++) {
    const links = await netlinkClient().listLinks();
    leftovers = links.filter((link) => link.name === record.bridge || hostNames.has(link.name)).map((link) => link.name);
    if (leftovers.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.deepEqual(leftovers, []);
});

test('adoption releases endpoints whose netns is gone and rebuilds a network whose bridge is gone', async (t) => {
  const paths = await tempStatePaths(t, 'adopt');
  const context = networkContext(paths);
  t.teardown(async () => {
    await removeAllNetworkObjects(context);
  });
  const network = await createNetwork(context, { name: 'kept', keyPath: 'n', config: { ipam: { config: [{ subnet: '10.234.2.0/24' }] } } });
  await createSandbox(context, { container: 'alive', endpoints: [{ network: 'kept', keyPath: 'n' }] });
  const lost = await createSandbox(context, {
    container: 'lost',
    endpoints: [{ network: 'kept', keyPath: 'n' }],
    ports: [{ mode: 'ingress', target: 80, published: '28435', protocol: 'tcp' }],
  });
  await removeNetns(lost.netnsPath);
  await netlinkClient().deleteLink(network.bridge);

  const report = await adoptNetworkState(context);
  t.deepEqual(report, { rebuilt: ['kept'], released: ['lost@kept'], errors: [] });
  const [record] = await context.store.list();
  t.deepEqual(Object.keys(record?.endpoints ?? {}), ['alive']);
  t.deepEqual(record?.ports, []);
  t.true((await netlinkClient().listLinks()).some((link) => link.name === network.bridge));
  const fresh = await createSandbox(context, { container: 'fresh', endpoints: [{ network: 'kept', keyPath: 'n' }] });
  t.is(fresh.interfaces[0]?.address, '10.234.2.3');
  t.true((await inNetns(fresh.netnsPath, ['ping', '-c', '1', '-W', '2', '10.234.2.1'])).ok);
  t.deepEqual(await adoptNetworkState(context), { rebuilt: [], released: [], errors: [] });
});
