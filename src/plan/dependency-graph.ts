// The graph of which service needs which: edges from depends_on, links, `service:` namespaces, volumes_from.
//
// As compose-go's normaliser: a link `db:alias` needs `db`; `network_mode`, `ipc`, `pid`, `uts` and
// `cgroup` of the form `service:x` need `x`; a volumes_from item `x[:ro]` needs `x` unless it names a
// `container:`. Such implicit needs are always required; a depends_on entry with `required: false`
// that names no service is dropped without a word (compose does the same).
import { ValueError } from '../errors.js';
import type { ServiceConfig } from '../spec/model.js';

export type DependencySource =
  | 'depends_on'
  | 'links'
  | 'network_mode'
  | 'ipc'
  | 'pid'
  | 'uts'
  | 'cgroup'
  | 'volumes_from';

export interface DependencyEdge {
  /** The service that needs another. */
  from: string;
  /** The service it needs. */
  to: string;
  source: DependencySource;
  required: boolean;
  /** Where the reference is written, e.g. `['services', 'web', 'links', 0]`. */
  keyPath: (string | number)[];
}

export interface DependencyGraph {
  /** Service names in the order they were given. */
  readonly services: readonly string[];
  /** Edges between known services, one per (from, to) pair: the first reference found wins. */
  readonly edges: readonly DependencyEdge[];
  /** Required references to services that do not exist, in the order they were written. */
  readonly unknownReferences: readonly DependencyEdge[];
  /** Direct needs of `name`, in the order written. */
  dependencies(name: string): string[];
  /** Services that directly need `name`, in service order. */
  dependents(name: string): string[];
  /** `names` plus everything they need, transitively, in service order. */
  withDependencies(names: Iterable<string>): string[];
  /**
   * The first cycle found, visiting names and their needs in sorted order as compose does:
   * `['a', 'b', 'a']` for a → b → a. Undefined when there is none.
   */
  findCycle(): string[] | undefined;
  /** The edge from one known service to another, if `from` needs `to` (to find where it is written). */
  edge(from: string, to: string): DependencyEdge | undefined;
  /**
   * Levels of services that can start together: level 0 needs nothing, level n needs only services in
   * earlier levels. Each level keeps service order. Throws a ValueError naming the cycle if there is one.
   */
  startOrder(): string[][];
}

const NAMESPACES = ['network_mode', 'ipc', 'pid', 'uts', 'cgroup'] as const;

export function buildDependencyGraph(services: Readonly<Record<string, ServiceConfig>>): DependencyGraph {
  const names = Object.keys(services);
  const known = new Set(names);
  const needs = new Map<string, Map<string, DependencyEdge>>(names.map((name) => [name, new Map()]));
  const edges: DependencyEdge[] = [];
  const unknownReferences: DependencyEdge[] = [];
  const unknownSeen = new Set<string>();

  for (const [from, service] of Object.entries(services)) {
    for (const edge of referencesOf(from, service)) {
      const own = needs.get(from);
      if (!own) continue;
      if (known.has(edge.to)) {
        if (!own.has(edge.to)) {
          own.set(edge.to, edge);
          edges.push(edge);
        }
      } else if (edge.required && !unknownSeen.has(`${from}\u0000${edge.to}`)) {
        unknownSeen.add(`${from}\u0000${edge.to}`);
        unknownReferences.push(edge);
      }
    }
  }

  const dependencies = (name: string): string[] => [...(needs.get(name)?.keys() ?? [])];
  const dependents = (name: string): string[] => names.filter((other) => needs.get(other)?.has(name));

  const findCycle = (): string[] | undefined => {
    const done = new Set<string>();
    const visit = (path: string[]): string[] | undefined => {
      const current = path[path.length - 1] ?? '';
      for (const next of [...dependencies(current)].sort()) {
        const at = path.indexOf(next);
        if (at >= 0) return [...path.slice(at), next];
        // A service fully explored once leads to no cycle; compose re-walks it, the answer is the same.
        if (done.has(next)) continue;
        const found = visit([...path, next]);
        if (found) return found;
      }
      done.add(current);
      return undefined;
    };
    for (const name of [...names].sort()) {
      if (done.has(name)) continue;
      const found = visit([name]);
      if (found) return found;
    }
    return undefined;
  };

  return {
    services: names,
    edges,
    unknownReferences,
    dependencies,
    dependents,
    withDependencies(selected) {
      const wanted = new Set<string>();
      const pending = [...selected];
      for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
        if (wanted.has(name)) continue;
        wanted.add(name);
        pending.push(...dependencies(name));
      }
      return names.filter((name) => wanted.has(name));
    },
    findCycle,
    edge: (from, to) => needs.get(from)?.get(to),
    startOrder() {
      const cycle = findCycle();
      if (cycle) throw new ValueError(`dependency cycle detected: ${cycle.join(' -> ')}`, breakCycleHint);
      const placed = new Set<string>();
      const levels: string[][] = [];
      while (placed.size < names.length) {
        const level = names.filter(
          (name) => !placed.has(name) && dependencies(name).every((dep) => placed.has(dep)),
        );
        for (const name of level) placed.add(name);
        levels.push(level);
      }
      return levels;
    },
  };
}

export const breakCycleHint = 'remove one of these dependencies: services cannot wait for each other';

function* referencesOf(from: string, service: ServiceConfig): Generator<DependencyEdge> {
  const base = ['services', from];
  for (const [to, dependency] of Object.entries(service.depends_on ?? {})) {
    yield {
      from,
      to,
      source: 'depends_on',
      required: dependency.required !== false,
      keyPath: [...base, 'depends_on', to],
    };
  }
  for (const [index, link] of (service.links ?? []).entries()) {
    const parts = link.split(':');
    const to = parts.length === 2 ? (parts[0] ?? link) : link;
    yield { from, to, source: 'links', required: true, keyPath: [...base, 'links', index] };
  }
  for (const key of NAMESPACES) {
    const value = service[key];
    if (value?.startsWith('service:')) {
      yield {
        from,
        to: value.slice('service:'.length),
        source: key,
        required: true,
        keyPath: [...base, key],
      };
    }
  }
  for (const [index, item] of (service.volumes_from ?? []).entries()) {
    if (item.startsWith('container:')) continue;
    const to = item.split(':')[0] ?? item;
    yield { from, to, source: 'volumes_from', required: true, keyPath: [...base, 'volumes_from', index] };
  }
}
