import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import test, { type ExecutionContext } from 'ava';
import { UserError } from '../../../src/errors.js';
import { type NetworkContext, createNetwork, networkContext } from '../../../src/network/bridge-network.js';
import { listBerthTables } from '../../../src/network/firewall.js';
import { netlinkClient } from '../../../src/network/netlink-client.js';
import { removeAllNetworkObjects } from '../../../src/network/network-recovery.js';
import { createSandbox } from '../../../src/network/sandbox.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

async function setup(t: ExecutionContext): Promise<NetworkContext> {
  const context = networkContext(await tempStatePaths(t, 'badnet'));
  t.teardown(async () => {
    const errors = await removeAllNetworkObjects(context);
    if (errors.length) throw new AggregateError(errors, 'network teardown failed');
  });
  return context;
}

/** Only the networks recorded exist: no other record, bridge, table or netns of this state root. */
async function assertNothingHalfMade(t: ExecutionContext, context: NetworkContext, networks: number): Promise<void> {
  const records = await context.store.list();
  t.is(records.length, networks);
  const tables = await listBerthTables();
  for (const record of records) {
    t.deepEqual(await hostLinksMatching([record.bridge]), [record.bridge]);
    t.true(tables.includes(`berth-${record.id.slice(0, 12)}`));
    t.deepEqual(record.endpoints, {});
  }
  t.deepEqual(await readdir(`${context.paths.run}/netns`).catch(() => []), []);
}

const subnetNet = (name: string, subnet: string, extra: Record<string, unknown> = {}) => ({
  name,
  keyPath: `networks.${name}`,
  config: { ipam: { config: [{ subnet }] }, ...extra },
});

test('an overlapping subnet is refused and nothing of it is made', async (t) => {
  const context = await setup(t);
  await createNetwork(context, subnetNet('one', '10.233.1.0/24'));
  const error = await t.throwsAsync(createNetwork(context, subnetNet('two', '10.233.1.128/25')), { instanceOf: UserError });
  t.is(error?.message, 'subnet 10.233.1.128/25 overlaps 10.233.1.0/24 of another berth network');
  await assertNothingHalfMade(t, context, 1);
});

test('a subnet of the wrong family, a too-long bridge name, a missing external network are refused', async (t) => {
  const context = await setup(t);
  await t.throwsAsync(createNetwork(context, subnetNet('six', 'fd00:233::/64')), { message: /expected an IPv4 subnet, found the IPv6 subnet/ });
  const long = await t.throwsAsync(
    createNetwork(context, subnetNet('long', '10.233.2.0/24', { driver_opts: { 'com.docker.network.bridge.name': 'a-bridge-name-too-long' } })),
    { instanceOf: UserError },
  );
  t.regex(long?.message ?? '', /expected a bridge name of 1 to 15 .* found "a-bridge-name-too-long" \(22 characters\)/);
  await t.throwsAsync(createNetwork(context, { name: 'elsewhere', keyPath: 'networks.elsewhere', config: { external: true } }), {
    message: 'external network "elsewhere" does not exist',
  });
  await assertNothingHalfMade(t, context, 0);
});

test('a custom bridge name is used and an external network that exists is found', async (t) => {
  const context = await setup(t);
  const suffix = Math.random().toString(16).slice(2, 8);
  const made = await createNetwork(
    context,
    subnetNet('named', '10.233.3.0/24', { driver_opts: { 'com.docker.network.bridge.name': `bt-${suffix}`, 'com.docker.network.driver.mtu': '1400' }, labels: { team: 'a' } }),
  );
  t.is(made.bridge, `bt-${suffix}`);
  t.is(made.mtu, 1400);
  const box = await createSandbox(context, { container: 'box', endpoints: [{ network: 'named', keyPath: 'n' }] });
  const inside = await netlinkClient().describeSandbox(box.netnsPath);
  t.true(inside.links.some((link) => link.name === 'eth0' && link.up));
  t.regex(execFileSync('nsenter', [`--net=${box.netnsPath}`, 'ip', '-o', 'link', 'show', 'eth0'], { encoding: 'utf8' }), / mtu 1400 /);
  t.regex(execFileSync('ip', ['-o', 'link', 'show', made.bridge], { encoding: 'utf8' }), / mtu 1400 /);
  t.deepEqual(made.labels, { team: 'a' });
  const external = await createNetwork(context, { name: 'named', keyPath: 'networks.ext', config: { external: true } });
  t.is(external.id, made.id);
});

test('an address outside the subnet or taken, and an unknown network, are refused before anything is made', async (t) => {
  const context = await setup(t);
  await createNetwork(context, subnetNet('net', '10.233.4.0/24'));
  await createSandbox(context, { container: 'holder', endpoints: [{ network: 'net', keyPath: 'h', ipv4Address: '10.233.4.10' }] });
  const outside = await t.throwsAsync(
    createSandbox(context, { container: 'out', endpoints: [{ network: 'net', keyPath: 'services.out.networks.net', ipv4Address: '10.9.0.1' }] }),
    { instanceOf: UserError },
  );
  t.is(outside?.message, 'address 10.9.0.1 is outside subnet 10.233.4.0/24');
  t.is((outside as UserError).keyPath, 'services.out.networks.net.ipv4_address');
  await t.throwsAsync(createSandbox(context, { container: 'taken', endpoints: [{ network: 'net', keyPath: 't', ipv4Address: '10.233.4.10' }] }), {
    message: /already in use/,
  });
  await t.throwsAsync(createSandbox(context, { container: 'lost', endpoints: [{ network: 'nowhere', keyPath: 'l' }] }), {
    message: 'network "nowhere" does not exist',
  });
  const records = await context.store.list();
  t.deepEqual(Object.keys(records[0]?.endpoints ?? {}), ['holder']);
  t.deepEqual(await readdir(`${context.paths.run}/netns`), ['holder']);
});
