import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { UserError } from '../../../src/errors.js';
import { type NetworkContext, createNetwork, networkContext } from '../../../src/network/bridge-network.js';
import { netlinkClient } from '../../../src/network/netlink-client.js';
import { removeAllNetworkObjects } from '../../../src/network/network-recovery.js';
import { createSandbox } from '../../../src/network/sandbox.js';
import { httpGetInNetns, startHttpServer } from '../../helpers/netns.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

async function setup(t: ExecutionContext, subnet: string): Promise<NetworkContext> {
  const context = networkContext(await tempStatePaths(t, 'ports'));
  t.teardown(async () => {
    const errors = await removeAllNetworkObjects(context);
    if (errors.length) throw new AggregateError(errors, 'network teardown failed');
  });
  await createNetwork(context, { name: 'web', keyPath: 'networks.web', config: { ipam: { config: [{ subnet }] } } });
  return context;
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', timeout: 3000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout on ${host}:${port}`)));
    req.on('error', reject);
    req.end();
  });
}

test('a published port answers on 127.0.0.1 and on a host address; a port without a number gets one', async (t) => {
  const context = await setup(t, '10.232.1.0/24');
  const sandbox = await createSandbox(context, {
    container: 'web-1',
    endpoints: [{ network: 'web', keyPath: 'services.web.networks.web' }],
    ports: [
      { mode: 'ingress', target: 8080, published: '28431', protocol: 'tcp' },
      { mode: 'ingress', target: 8080, protocol: 'tcp', host_ip: '127.0.0.1' },
    ],
    portsKeyPath: 'services.web.ports',
    expose: ['9000'],
  });
  await startHttpServer(t, sandbox.netnsPath, 8080, 'published\n');
  t.deepEqual(sandbox.ports[0], { protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 28431, containerPort: 8080 });
  const random = sandbox.ports[1]?.hostPort ?? 0;
  t.true(random > 1024);
  t.deepEqual(sandbox.expose, ['9000']);
  t.is(await httpGet('127.0.0.1', 28431), 'published\n');
  // The bridge's gateway address is an address of this host that only this test uses.
  t.is(await httpGet('10.232.1.1', 28431), 'published\n');
  t.is(await httpGet('127.0.0.1', random), 'published\n');
  // From a container: on the same network (hairpin through the host address) and on another network.
  const neighbour = await createSandbox(context, { container: 'neighbour', endpoints: [{ network: 'web', keyPath: 'n' }] });
  t.is(await httpGetInNetns(neighbour.netnsPath, '10.232.1.1', 28431), 'published\n');
  await createNetwork(context, { name: 'other', keyPath: 'networks.other', config: { ipam: { config: [{ subnet: '10.232.4.0/24' }] } } });
  const stranger = await createSandbox(context, { container: 'stranger', endpoints: [{ network: 'other', keyPath: 'n' }] });
  t.is(await httpGetInNetns(stranger.netnsPath, '10.232.1.1', 28431), 'published\n');
  // ...but not the container's own address: networks stay apart.
  t.is(await httpGetInNetns(stranger.netnsPath, sandbox.interfaces[0]?.address ?? '', 8080, 1), undefined);
});

test('a port in use is a clear error before anything is made', async (t) => {
  const context = await setup(t, '10.232.2.0/24');
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(28432, '127.0.0.1', resolve));
  t.teardown(() => holder.close());
  const error = await t.throwsAsync(
    createSandbox(context, {
      container: 'clash',
      endpoints: [{ network: 'web', keyPath: 'services.clash.networks.web' }],
      ports: [{ mode: 'ingress', target: 80, published: '28432', protocol: 'tcp', host_ip: '127.0.0.1' }],
      portsKeyPath: 'services.clash.ports',
    }),
    { instanceOf: UserError },
  );
  t.is(error?.message, 'port 28432/tcp on 127.0.0.1 is already in use');
  t.is((error as UserError).keyPath, 'services.clash.ports[0]');
  const record = (await context.store.list())[0];
  t.deepEqual(record?.endpoints, {});
  t.deepEqual(record?.ports, []);
  t.deepEqual(await readdir(`${context.paths.run}/netns`).catch(() => []), []);
  // No veth hangs on this test's bridge (other test files make their own bv* links meanwhile).
  const links = await netlinkClient().listLinks();
  const bridge = links.find((link) => link.name === record?.bridge);
  t.truthy(bridge);
  t.deepEqual(links.filter((link) => link.master === bridge?.index), []);
});

test('two containers cannot publish one host port; a range takes the next free port', async (t) => {
  const context = await setup(t, '10.232.3.0/24');
  const first = await createSandbox(context, {
    container: 'first',
    endpoints: [{ network: 'web', keyPath: 'n' }],
    ports: [{ mode: 'ingress', target: 80, published: '28433-28434', protocol: 'udp' }],
  });
  t.is(first.ports[0]?.hostPort, 28433);
  const second = await createSandbox(context, {
    container: 'second',
    endpoints: [{ network: 'web', keyPath: 'n' }],
    ports: [{ mode: 'ingress', target: 80, published: '28433-28434', protocol: 'udp' }],
  });
  t.is(second.ports[0]?.hostPort, 28434);
  await t.throwsAsync(
    createSandbox(context, { container: 'third', endpoints: [{ network: 'web', keyPath: 'n' }], ports: [{ mode: 'ingress', target: 80, published: '28434', protocol: 'udp' }] }),
    { message: 'port 28434/udp on 0.0.0.0 is already in use' },
  );
  await t.throwsAsync(
    createSandbox(context, { container: 'fourth', endpoints: [{ network: 'web', keyPath: 'n' }], ports: [{ mode: 'ingress', target: 80, published: '1', protocol: 'sctp' }] }),
    { message: 'expected protocol tcp or udp, found "sctp"' },
  );
});
