// network_mode: which network namespace a container joins (its own, the host's, none, or another container's).
import { access } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { StatePaths } from '../state/paths.js';
import { netnsPathFor } from './netns.js';

export type NetworkMode =
  | { kind: 'bridge' }
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'service'; service: string }
  | { kind: 'container'; container: string };

export function parseNetworkMode(mode: string | undefined, keyPath = 'network_mode'): NetworkMode {
  if (mode === undefined || mode === 'bridge' || mode === 'default') return { kind: 'bridge' };
  if (mode === 'host' || mode === 'none') return { kind: mode };
  const match = /^(service|container):(.+)$/.exec(mode);
  if (match?.[1] === 'service') return { kind: 'service', service: match[2] ?? '' };
  if (match?.[1] === 'container') return { kind: 'container', container: match[2] ?? '' };
  throw new UserError(`expected network_mode bridge, host, none, service:NAME or container:NAME, found "${mode}"`, { keyPath });
}

/**
 * The netns path a container joins for a mode that shares one: null for `host` (the runtime then adds no network
 * namespace at all). `service:`/`container:` name the container already running whose netns is shared; it must exist.
 * `bridge` and `none` get a netns of their own (createSandbox / createIsolatedSandbox), so they are not answered here.
 */
export async function sharedNetnsPath(paths: StatePaths, mode: NetworkMode, targetContainer?: string): Promise<string | null> {
  if (mode.kind === 'host') return null;
  if (mode.kind !== 'service' && mode.kind !== 'container') throw new Error(`network_mode ${mode.kind} has a netns of its own`);
  const target = mode.kind === 'container' ? mode.container : targetContainer;
  if (!target) throw new UserError(`network_mode ${mode.kind}:${mode.kind === 'service' ? mode.service : ''} names no running container`);
  const nsPath = netnsPathFor(paths, target);
  try {
    await access(nsPath);
  } catch {
    throw new UserError(`network_mode: container ${target} has no network namespace`, { hint: 'start it first; depends_on orders this for service:' });
  }
  return nsPath;
}
