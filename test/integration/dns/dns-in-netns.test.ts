import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { writeContainerDnsFiles } from '../../../src/network/dns/container-dns-files.js';
import { renderHostsFile } from '../../../src/network/dns/hosts-file.js';
import { renderResolvConf } from '../../../src/network/dns/resolv-conf.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { startStubUpstream, startTestDns } from './dns-test-network.js';

const run = promisify(execFile);

// A netns of the test's own, joined to the host by a veth pair in 198.18.7.0/24 (the benchmarking
// range, RFC 2544): the server listens on the host end as a gateway would, busybox asks from inside.
test('busybox nslookup inside a netns resolves names through the resolv.conf berth writes', async (t) => {
  const tag = (process.pid % 100_000).toString(36);
  const netns = `berth-dnst-${tag}`;
  const hostVeth = `bdt${tag}h`;
  const gateway = '198.18.7.1';
  const containerIp = '198.18.7.2';
  t.teardown(async () => {
    // Deleting the netns deletes the veth pair with it; the link delete covers a half-made setup.
    await run('ip', ['netns', 'del', netns]).catch(() => undefined);
    await run('ip', ['link', 'del', hostVeth]).catch(() => undefined);
  });
  await run('ip', ['netns', 'add', netns]);
  await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', `bdt${tag}c`]);
  await run('ip', ['link', 'set', `bdt${tag}c`, 'netns', netns]);
  await run('ip', ['addr', 'add', `${gateway}/24`, 'dev', hostVeth]);
  await run('ip', ['link', 'set', hostVeth, 'up']);
  await run('ip', ['-n', netns, 'addr', 'add', `${containerIp}/24`, 'dev', `bdt${tag}c`]);
  await run('ip', ['-n', netns, 'link', 'set', `bdt${tag}c`, 'up']);
  await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);

  await startStubUpstream(t, '127.54.9.53', 5309, '198.51.100.9');
  const dns = await startTestDns(t, { upstreams: ['127.54.9.53:5309'] });
  await dns.serveNetwork({ network: 'front', address: gateway, port: 53 });
  await dns.addEndpoint({ network: 'front', containerId: 'app', ip: containerIp, names: ['proj-app-1', 'app'], searchDomains: ['corp.example'] });
  await dns.addEndpoint({ network: 'front', containerId: 'db1', ip: '198.18.7.3', names: ['proj-db-1', 'db'] });
  await dns.addEndpoint({ network: 'front', containerId: 'db2', ip: '198.18.7.4', names: ['proj-db-2', 'db'] });

  const state = await tempStatePaths(t, 'berth-dns');
  const files = await writeContainerDnsFiles(path.join(state.run, 'containers', 'app'), {
    resolvConf: renderResolvConf({ embeddedDns: gateway, dnsSearch: ['corp.example'] }),
    hosts: renderHostsFile({ hostname: 'app', containerName: 'proj-app-1', addresses: [containerIp] }),
    hostname: 'app',
  });
  t.regex(await readFile(files.resolvConf, 'utf8'), /^nameserver 198\.18\.7\.1$/m);

  // `ip netns exec` gives the command its own mount namespace, so this bind mount stays inside it.
  const nslookup = async (name: string): Promise<string> => {
    const script = `mount --bind ${files.resolvConf} /etc/resolv.conf && exec /bin/busybox nslookup ${name}`;
    const { stdout } = await run('ip', ['netns', 'exec', netns, 'unshare', '-m', 'sh', '-c', script], { timeout: 10_000 });
    return stdout;
  };
  const db = await nslookup('db');
  t.regex(db, /Server:\s+198\.18\.7\.1/);
  t.regex(db, /Address: 198\.18\.7\.3/);
  t.regex(db, /Address: 198\.18\.7\.4/);
  t.regex(await nslookup('proj-db-2.corp.example'), /Address: 198\.18\.7\.4/);
  t.regex(await nslookup('elsewhere.example'), /Address: 198\.51\.100\.9/);
  await dns.removeEndpoint({ network: 'front', containerId: 'db1' });
  await dns.removeEndpoint({ network: 'front', containerId: 'db2' });
  // Gone locally, the name now goes upstream (whose stub answers everything): never the old address.
  const gone = await nslookup('proj-db-1').catch((error: unknown) => String(error));
  t.notRegex(gone, /198\.18\.7\.3/);
});
