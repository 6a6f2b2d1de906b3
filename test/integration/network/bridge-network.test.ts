import test, { type ExecutionContext } from 'ava';
import { type NetworkContext, createNetwork, networkContext } from '../../../src/network/bridge-network.js';
import { netlinkClient } from '../../../src/network/netlink-client.js';
import { openNetworkDriver } from '../../../src/network/network-driver.js';
import { removeAllNetworkObjects } from '../../../src/network/network-recovery.js';
import { parseNetworkMode, sharedNetnsPath } from '../../../src/network/network-mode.js';
import { createIsolatedSandbox, createSandbox, removeSandbox } from '../../../src/network/sandbox.js';
import { hostLinksMatching, httpGetInNetns, inNetns, nftTablesMatching, startHttpServer } from '../../helpers/netns.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

async function setup(t: ExecutionContext): Promise<NetworkContext> {
  const paths = await tempStatePaths(t, 'net');
  const context = networkContext(paths);
  t.teardown(async () => {
    const errors = await removeAllNetworkObjects(context);
    if (errors.length) throw new AggregateError(errors, 'network teardown failed');
  });
  return context;
}

const network = (context: NetworkContext, name: string, subnet: string, extra: Record<string, unknown> = {}) =>
  createNetwork(context, { name, keyPath: `networks.${name}`, config: { ipam: { config: [{ subnet }] }, ...extra } });

test('two containers on one network ping each other and fetch over http', async (t) => {
  const context = await setup(t);
  const net = await network(context, 'front', '10.231.1.0/24');
  const a = await createSandbox(context, { container: 'a', endpoints: [{ network: 'front', keyPath: 'services.a.networks.front' }] });
  const b = await createSandbox(context, { container: 'b', endpoints: [{ network: 'front', keyPath: 'services.b.networks.front' }] });
  t.like(a.interfaces[0], { ifname: 'eth0', address: '10.231.1.2', mac: '02:42:0a:e7:01:02', hasDefaultRoute: true });
  t.is(b.interfaces[0]?.address, '10.231.1.3');
  t.true((await hostLinksMatching([net.bridge])).includes(net.bridge));
  await startHttpServer(t, b.netnsPath, 8080, 'hello from b\n');
  t.true((await inNetns(a.netnsPath, ['ping', '-c', '1', '-W', '2', '10.231.1.3'])).ok);
  t.is(await httpGetInNetns(a.netnsPath, '10.231.1.3', 8080), 'hello from b\n');
  const inside = await netlinkClient().describeSandbox(a.netnsPath);
  t.deepEqual(inside.routes.sort(), ['10.231.1.0/24', 'default via 10.231.1.1']);
  t.like(inside.links.find((link) => link.name === 'lo'), { up: true });
});

test('networks are isolated: A cannot reach B, a container on both reaches both', async (t) => {
  const context = await setup(t);
  await network(context, 'a', '10.231.2.0/24');
  await network(context, 'b', '10.231.3.0/24');
  const onA = await createSandbox(context, { container: 'on-a', endpoints: [{ network: 'a', keyPath: 'a' }] });
  const onB = await createSandbox(context, { container: 'on-b', endpoints: [{ network: 'b', keyPath: 'b' }] });
  const both = await createSandbox(context, { container: 'both', endpoints: [{ network: 'a', keyPath: 'a' }, { network: 'b', keyPath: 'b' }] });
  t.deepEqual(both.interfaces.map((item) => [item.ifname, item.network, item.hasDefaultRoute]), [['eth0', 'a', true], ['eth1', 'b', false]]);
  t.true((await inNetns(both.netnsPath, ['ping', '-c', '1', '-W', '2', '10.231.2.2'])).ok);
  t.true((await inNetns(both.netnsPath, ['ping', '-c', '1', '-W', '2', '10.231.3.2'])).ok);
  t.true((await inNetns(onB.netnsPath, ['ping', '-c', '1', '-W', '2', '10.231.3.3'])).ok);
  t.false((await inNetns(onA.netnsPath, ['ping', '-c', '1', '-W', '1', '10.231.3.2'])).ok);
  t.false((await inNetns(onB.netnsPath, ['ping', '-c', '1', '-W', '1', '10.231.2.2'])).ok);
});

test('an internal network gives no default route and no way out of its subnet', async (t) => {
  const context = await setup(t);
  await network(context, 'inner', '10.231.4.0/24', { internal: true });
  await network(context, 'outer', '10.231.5.0/24');
  const lonely = await createSandbox(context, { container: 'lonely', endpoints: [{ network: 'inner', keyPath: 'inner' }] });
  const outer = await createSandbox(context, { container: 'outer', endpoints: [{ network: 'outer', keyPath: 'outer' }] });
  t.deepEqual((await netlinkClient().describeSandbox(lonely.netnsPath)).routes, ['10.231.4.0/24']);
  t.false(lonely.interfaces[0]?.hasDefaultRoute);
  // A container on both gets its default route from the first network that is not internal.
  const mixed = await createSandbox(context, {
    container: 'mixed',
    endpoints: [{ network: 'inner', keyPath: 'inner' }, { network: 'outer', keyPath: 'outer' }],
  });
  t.deepEqual((await netlinkClient().describeSandbox(mixed.netnsPath)).routes.sort(), ['10.231.4.0/24', '10.231.5.0/24', 'default via 10.231.5.1']);
  t.false((await inNetns(outer.netnsPath, ['ping', '-c', '1', '-W', '1', '10.231.4.2'])).ok);
});

test('priority orders interfaces; a static address and MAC are used', async (t) => {
  const context = await setup(t);
  await network(context, 'low', '10.231.6.0/24');
  await network(context, 'high', '10.231.7.0/24');
  const box = await createSandbox(context, {
    container: 'box',
    endpoints: [
      { network: 'low', keyPath: 'low', ipv4Address: '10.231.6.77' },
      { network: 'high', keyPath: 'high', priority: 10, macAddress: '02:00:00:00:00:07' },
    ],
  });
  t.deepEqual(box.interfaces.map((item) => [item.ifname, item.network, item.address, item.mac]), [
    ['eth0', 'high', '10.231.7.2', '02:00:00:00:00:07'],
    ['eth1', 'low', '10.231.6.77', '02:42:0a:e7:06:4d'],
  ]);
  const links = (await netlinkClient().describeSandbox(box.netnsPath)).links;
  t.like(links.find((link) => link.name === 'eth1'), { up: true, mac: '02:42:0a:e7:06:4d', addresses: ['10.231.6.77/24'] });
});

test('network_mode service: joins the netns of the service container', async (t) => {
  const context = await setup(t);
  await network(context, 'shared', '10.231.8.0/24');
  const web = await createSandbox(context, { container: 'web-1', endpoints: [{ network: 'shared', keyPath: 'shared' }] });
  const joined = await sharedNetnsPath(context.paths, parseNetworkMode('service:web'), 'web-1');
  t.is(joined, web.netnsPath);
  t.is(await sharedNetnsPath(context.paths, parseNetworkMode('host')), null);
  await t.throwsAsync(sharedNetnsPath(context.paths, parseNetworkMode('container:ghost')), { message: /has no network namespace/ });
  t.throws(() => parseNetworkMode('bogus:x'), { message: /expected network_mode/ });
});

test('removing a sandbox deletes its netns and veth and frees its address', async (t) => {
  const context = await setup(t);
  const net = await network(context, 'churn', '10.231.9.0/24');
  const first = await createSandbox(context, { container: 'one', endpoints: [{ network: 'churn', keyPath: 'churn' }] });
  t.deepEqual(await removeSandbox(context, 'one'), []);
  const again = await createSandbox(context, { container: 'two', endpoints: [{ network: 'churn', keyPath: 'churn' }] });
  t.is(again.interfaces[0]?.address, first.interfaces[0]?.address);
  t.deepEqual(await removeAllNetworkObjects(context), []);
  t.deepEqual(await hostLinksMatching([net.bridge]), []);
  t.deepEqual(await nftTablesMatching([net.id.slice(0, 12)]), []);
});

test('network_mode none gives a netns with only lo, up', async (t) => {
  const context = await setup(t);
  const nsPath = await createIsolatedSandbox(context, 'alone');
  const inside = await netlinkClient().describeSandbox(nsPath);
  t.deepEqual(inside.links.map((link) => [link.name, link.up]), [['lo', true]]);
  t.deepEqual(inside.routes, []);
  t.true((await inNetns(nsPath, ['ping', '-c', '1', '-W', '1', '127.0.0.1'])).ok);
});

test('the driver object runs a whole lifecycle: network, sandbox, shared netns, removal', async (t) => {
  const paths = await tempStatePaths(t, 'driver');
  const driver = openNetworkDriver(paths);
  t.teardown(async () => {
    await driver.removeAll();
  });
  const net = await driver.createNetwork({ name: 'life', keyPath: 'networks.life', config: { ipam: { config: [{ subnet: '10.231.10.0/24' }] } } });
  t.is((await driver.findNetwork('life')).id, net.id);
  const box = await driver.createSandbox({ container: 'life-1', endpoints: [{ network: 'life', keyPath: 'n' }] });
  t.is(await driver.sharedNetnsPath(parseNetworkMode('container:life-1')), box.netnsPath);
  await t.throwsAsync(driver.removeNetwork('life'), { message: /has containers attached/ });
  t.deepEqual(await driver.removeSandbox('life-1'), []);
  await driver.removeNetwork('life');
  t.deepEqual(await driver.listNetworks(), []);
  t.deepEqual(await hostLinksMatching([net.bridge]), []);
});
