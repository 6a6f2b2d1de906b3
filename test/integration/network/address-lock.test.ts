import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { networkContext } from '../../../src/network/bridge-network.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

const execFileAsync = promisify(execFile);

test('two engines allocating at once on one state root never hand out one address twice', async (t) => {
  const paths = await tempStatePaths(t, 'lock');
  const context = networkContext(paths);
  // A record only: allocation does not need the kernel objects.
  await context.store.write({
    id: 'a'.repeat(64),
    name: 'shared',
    bridge: 'br-unused',
    addressing: { subnet: '10.237.0.0/24', gateway: '10.237.0.1', auxAddresses: {} },
    internal: false,
    attachable: false,
    labels: {},
    driverOptions: {},
    created: new Date().toISOString(),
    endpoints: {},
    ports: [],
  });
  const fixture = new URL('fixtures/allocate-addresses.ts', import.meta.url).pathname;
  const env = { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, START_AT: String(Date.now() + 2000) };
  await Promise.all(
    ['one', 'two', 'three'].map((label) => execFileAsync(process.execPath, ['--import=tsx', fixture], { env: { ...env, ALLOCATOR: label }, timeout: 30_000 })),
  );
  const [record] = await context.store.list();
  const addresses = Object.values(record?.endpoints ?? {}).map((endpoint) => endpoint.address);
  t.is(addresses.length, 75);
  t.is(new Set(addresses).size, 75);
});
