// The drivers one engine process holds open: image store, container runtime, networks, volumes, embedded DNS.
import { type ImageStore, openImageStore } from '../image/image-store.js';
import { type RegistryClientOptions, registryOptionsFromEnv } from '../image/registry/registry-client.js';
import { EmbeddedDns } from '../network/dns/embedded-dns.js';
import { type NetworkDriver, openNetworkDriver } from '../network/network-driver.js';
import { ContainerRuntime } from '../runtime/container-runtime.js';
import type { StatePaths } from '../state/paths.js';
import { VolumeStore } from '../volume/volume-store.js';

export interface EngineDrivers {
  readonly paths: StatePaths;
  readonly images: ImageStore;
  readonly runtime: ContainerRuntime;
  readonly networks: NetworkDriver;
  readonly volumes: VolumeStore;
  readonly dns: EmbeddedDns;
  /** Transport policy and credentials for pulls. */
  readonly registry: RegistryClientOptions;
}

export interface EngineDriverOptions {
  /** The environment (BERTH_*, DOCKER_CONFIG, registry settings). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Upstream resolvers for names no network knows: `BERTH_DNS_UPSTREAMS` (comma-separated `ip[:port]`,
 * empty for none) or, when unset, the host's resolv.conf. Tests set it so nothing leaves the host.
 */
export function dnsUpstreamsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] | undefined {
  const value = env['BERTH_DNS_UPSTREAMS'];
  if (value === undefined) return undefined;
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

export async function openEngineDrivers(paths: StatePaths, options: EngineDriverOptions): Promise<EngineDrivers> {
  const runtime = new ContainerRuntime(paths);
  await runtime.setup();
  const images = await openImageStore(paths);
  const upstreams = dnsUpstreamsFromEnv(options.env);
  const dns = await EmbeddedDns.start(upstreams !== undefined ? { upstreams } : {});
  return {
    paths,
    images,
    runtime,
    networks: openNetworkDriver(paths),
    volumes: new VolumeStore(paths),
    dns,
    registry: registryOptionsFromEnv(options.env),
  };
}

export async function closeEngineDrivers(drivers: EngineDrivers): Promise<void> {
  drivers.runtime.close();
  await drivers.dns.close();
}
