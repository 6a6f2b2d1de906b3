// Config hash of a service: a running container whose hash differs from the desired one is recreated.
import { createHash } from 'node:crypto';
import type { ServiceConfig } from '../spec/model.js';

/**
 * sha256 over the canonical service JSON, leaving out what does not require a new container
 * (how many, in what order, from which build, under which profiles), as docker compose does.
 * The model builds every object in a fixed key order, so JSON.stringify is canonical.
 */
export function configHash(service: ServiceConfig): string {
  const {
    build: _build,
    pull_policy: _pull,
    scale: _scale,
    depends_on: _deps,
    profiles: _profiles,
    ...rest
  } = service;
  const hashed: Record<string, unknown> = { ...rest };
  if (service.deploy) hashed.deploy = { ...service.deploy, replicas: 1 };
  return createHash('sha256').update(JSON.stringify(hashed)).digest('hex');
}
