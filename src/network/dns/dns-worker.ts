// Worker thread entry: hosts the record table and every network's DNS server, off the engine's event loop.
import { parentPort } from 'node:worker_threads';
import { SystemError } from '../../errors.js';
import type { DnsWorkerReply, DnsWorkerRequest } from './dns-worker-protocol.js';
import { NetworkDnsServer } from './network-dns-server.js';
import { RecordTable } from './record-table.js';

const table = new RecordTable();
const servers = new Map<string, NetworkDnsServer>();

async function handle(request: DnsWorkerRequest): Promise<DnsWorkerReply> {
  switch (request.op) {
    case 'serve': {
      const { network } = request.request;
      if (servers.has(network)) throw new SystemError(`network ${network} already has a DNS server`, 'serve dns');
      const server = new NetworkDnsServer(table, request.request);
      const port = await server.start();
      servers.set(network, server);
      return { id: request.id, ok: true, port };
    }
    case 'unserve': {
      const server = servers.get(request.network);
      servers.delete(request.network);
      table.removeNetwork(request.network);
      await server?.close();
      return { id: request.id, ok: true };
    }
    case 'add':
      table.addEndpoint(request.endpoint);
      return { id: request.id, ok: true };
    case 'remove':
      table.removeEndpoint(request.key);
      return { id: request.id, ok: true };
    case 'close':
      await Promise.allSettled([...servers.values()].map((server) => server.close()));
      servers.clear();
      return { id: request.id, ok: true };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (request: DnsWorkerRequest) => {
    handle(request).then(
      (reply) => port.postMessage(reply),
      (error: unknown) => {
        const failure: DnsWorkerReply = {
          id: request.id,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
          operation: error instanceof SystemError ? error.operation : 'dns worker',
          code: error instanceof SystemError ? error.code : undefined,
        };
        port.postMessage(failure);
      },
    );
  });
  const ready: DnsWorkerReply = { id: 0, ok: true };
  port.postMessage(ready);
}
