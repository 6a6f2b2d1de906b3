// Which networks the embedded DNS serves and which container names it answers, for one engine process.
import type { DnsEndpoint } from '../network/dns/record-table.js';
import type { EngineDrivers } from './engine-drivers.js';

export class DnsRegistry {
  /** Networks served (or being served), by name: a server opens once per network and engine. */
  private readonly served = new Map<string, Promise<void>>();

  constructor(private readonly drivers: EngineDrivers) {}

  /** Serve the endpoints' networks (on their gateways) and make the names resolve. */
  async register(endpoints: readonly DnsEndpoint[]): Promise<void> {
    await Promise.all(endpoints.map(async (endpoint) => {
      await this.serve(endpoint.network);
      await this.drivers.dns.addEndpoint(endpoint);
    }));
  }

  async unregister(endpoints: readonly DnsEndpoint[]): Promise<void> {
    await Promise.all(endpoints.map((endpoint) => this.drivers.dns.removeEndpoint({ network: endpoint.network, containerId: endpoint.containerId })));
  }

  /** Before a network is removed: close its server. */
  async stopServing(network: string): Promise<void> {
    const serving = this.served.get(network);
    if (!serving) return;
    this.served.delete(network);
    await serving.catch(() => undefined);
    await this.drivers.dns.stopServingNetwork(network);
  }

  private serve(network: string): Promise<void> {
    let serving = this.served.get(network);
    if (!serving) {
      serving = this.drivers.networks.findNetwork(network).then(async (record) => {
        // An internal network has no way out: unknown names get NXDOMAIN instead of being forwarded.
        await this.drivers.dns.serveNetwork({ network: record.name, address: record.addressing.gateway, ...(record.internal ? { upstreams: [] } : {}) });
      });
      this.served.set(network, serving);
      serving.catch(() => this.served.delete(network));
    }
    return serving;
  }
}
