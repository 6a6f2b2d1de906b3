// `secrets:` and `configs:` of a service, as compose runs them without swarm: files bound read-only into the container.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { RuntimeMount } from '../runtime/oci-spec.js';
import type { Project, ServiceConfig, ServiceFileReference } from '../spec/model.js';
import { containerEtcDir } from './container-network.js';

/**
 * One read-only bind per reference: a `file:` is bound as it is; a config's `content:` is written
 * under the container's volatile directory first (mode from the reference, 0444 by default).
 * Secrets land in /run/secrets/<target|source>, configs at <target> or /<source>.
 */
export async function serviceFileMounts(project: Project, serviceName: string, service: ServiceConfig, run: string, id: string): Promise<RuntimeMount[]> {
  const mounts: RuntimeMount[] = [];
  const kinds = [
    { kind: 'secrets', references: service.secrets ?? [], objects: project.secrets },
    { kind: 'configs', references: service.configs ?? [], objects: project.configs },
  ] as const;
  for (const { kind, references, objects } of kinds) {
    for (const [index, reference] of references.entries()) {
      const keyPath = `services.${serviceName}.${kind}[${index}]`;
      const object = objects[reference.source];
      if (!object) throw new UserError(`${kind} "${reference.source}" is not declared`, { keyPath, hint: `declare it under the top-level ${kind}:` });
      const destination = targetOf(kind, reference);
      let source: string;
      if (object.file !== undefined) {
        source = path.resolve(object.file);
        await stat(source).catch(() => {
          throw new UserError(`${kind} "${reference.source}": file ${source} does not exist`, { keyPath: `${kind}.${reference.source}.file`, hint: 'create it, or fix the path' });
        });
      } else if (object.content !== undefined) {
        const dir = path.join(containerEtcDir(run, id), kind);
        await mkdir(dir, { recursive: true, mode: 0o700 });
        source = path.join(dir, reference.source);
        await writeFile(source, object.content, { mode: reference.mode !== undefined ? Number.parseInt(reference.mode, 8) : 0o444 });
      } else {
        const what = object.external ? 'external (swarm) ones' : object.environment !== undefined ? '`environment:` ones' : 'this kind';
        throw new UserError(`${kind} "${reference.source}": berth cannot provide ${what} yet`, { keyPath: `${kind}.${reference.source}`, hint: 'use `file:` (or `content:` for configs)' });
      }
      mounts.push({ destination, type: 'bind', source, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
    }
  }
  return mounts;
}

function targetOf(kind: 'secrets' | 'configs', reference: ServiceFileReference): string {
  if (kind === 'secrets') {
    const target = reference.target ?? reference.source;
    return path.isAbsolute(target) ? target : path.join('/run/secrets', target);
  }
  return reference.target ?? `/${reference.source}`;
}
