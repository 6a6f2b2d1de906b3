// Writes a container's resolv.conf, hosts and hostname files into its state directory, each atomically.
import path from 'node:path';
import { ensureDirectory, writeFileAtomic } from '../../state/atomic-write.js';

export interface ContainerDnsFiles {
  resolvConf: string;
  hosts: string;
  hostname: string;
}

/**
 * Write the three files into `dir` (created if missing) and return their paths, for the runtime to
 * bind-mount read-only over /etc/resolv.conf, /etc/hosts and /etc/hostname. They live under the
 * volatile run directory, so they are not fsynced.
 */
export async function writeContainerDnsFiles(dir: string, files: ContainerDnsFiles): Promise<{ resolvConf: string; hosts: string; hostname: string }> {
  await ensureDirectory(dir);
  const paths = { resolvConf: path.join(dir, 'resolv.conf'), hosts: path.join(dir, 'hosts'), hostname: path.join(dir, 'hostname') };
  await Promise.all([
    writeFileAtomic(paths.resolvConf, files.resolvConf, { durable: false }),
    writeFileAtomic(paths.hosts, files.hosts, { durable: false }),
    writeFileAtomic(paths.hostname, `${files.hostname}\n`, { durable: false }),
  ]);
  return paths;
}
