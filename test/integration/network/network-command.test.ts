import { Command } from 'commander';
import test from 'ava';
import { registerNetworkCommands } from '../../../src/cli/commands/network.js';
import { createNetwork, networkContext } from '../../../src/network/bridge-network.js';
import { removeAllNetworkObjects } from '../../../src/network/network-recovery.js';
import { createSandbox } from '../../../src/network/sandbox.js';
import { hostLinksMatching } from '../../helpers/netns.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

test('network ls, inspect, rm and prune work on the records and the kernel objects', async (t) => {
  const paths = await tempStatePaths(t, 'netcli');
  const context = networkContext(paths);
  t.teardown(async () => {
    await removeAllNetworkObjects(context);
  });
  const used = await createNetwork(context, { name: 'proj_used', keyPath: 'n', config: { ipam: { config: [{ subnet: '10.235.1.0/24' }] } } });
  const idle = await createNetwork(context, { name: 'proj_idle', keyPath: 'n', config: { ipam: { config: [{ subnet: '10.235.2.0/24' }] }, labels: { tier: 'x' } } });
  const spare = await createNetwork(context, { name: 'proj_spare', keyPath: 'n', config: { ipam: { config: [{ subnet: '10.235.3.0/24' }] } } });
  await createSandbox(context, { container: 'c1', endpoints: [{ network: 'proj_used', keyPath: 'n' }] });

  let out = '';
  const run = async (...args: string[]): Promise<string> => {
    out = '';
    const program = new Command('berth').exitOverride();
    registerNetworkCommands(program, { cwd: '/', env: {}, stdout: { write: (text) => (out += text) }, stderr: { write: () => undefined } }, () => context);
    await program.parseAsync(args, { from: 'user' });
    return out;
  };

  const listing = await run('network', 'ls');
  t.regex(listing, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n/);
  t.true(listing.includes(`${used.id.slice(0, 12)}   proj_used    bridge   local`));
  t.is((await run('network', 'ls', '-q')).split('\n').filter(Boolean).length, 3);

  const [view] = JSON.parse(await run('network', 'inspect', 'proj_used')) as Record<string, unknown>[];
  t.like(view, { Name: 'proj_used', Id: used.id, Driver: 'bridge', Internal: false });
  t.deepEqual(view?.['Containers'], { c1: { Name: 'c1', MacAddress: '02:42:0a:eb:01:02', IPv4Address: '10.235.1.2/24', IPv6Address: '' } });

  await t.throwsAsync(run('network', 'rm', 'proj_used'), { message: 'network proj_used has containers attached: c1' });
  t.is(await run('network', 'rm', spare.id.slice(0, 12)), `${spare.id.slice(0, 12)}\n`);
  t.deepEqual(await hostLinksMatching([spare.bridge]), []);

  t.is(await run('network', 'prune', '-f'), 'Deleted Networks:\nproj_idle\n');
  t.deepEqual(await hostLinksMatching([idle.bridge]), []);
  t.deepEqual((await context.store.list()).map((record) => record.name), ['proj_used']);
});
