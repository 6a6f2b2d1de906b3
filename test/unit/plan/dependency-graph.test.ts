import test from 'ava';
import { ValueError } from '../../../src/errors.js';
import { buildDependencyGraph } from '../../../src/plan/dependency-graph.js';
import type { ServiceConfig } from '../../../src/spec/model.js';

const started = { condition: 'service_started', required: true };

test('depends_on, links, service: namespaces and volumes_from all make edges', (t) => {
  const graph = buildDependencyGraph({
    web: {
      image: 'x',
      depends_on: { db: started },
      links: ['cache:c'],
      volumes_from: ['data:ro', 'container:other'],
    },
    sidecar: { image: 'x', network_mode: 'service:web', pid: 'service:db', ipc: 'host' },
    db: { image: 'x' },
    cache: { image: 'x' },
    data: { image: 'x' },
  });
  t.deepEqual(graph.dependencies('web'), ['db', 'cache', 'data']);
  t.deepEqual(graph.dependencies('sidecar'), ['web', 'db']);
  t.deepEqual(
    graph.edges.map((edge) => `${edge.from}->${edge.to} ${edge.source}`),
    [
      'web->db depends_on',
      'web->cache links',
      'web->data volumes_from',
      'sidecar->web network_mode',
      'sidecar->db pid',
    ],
  );
  t.deepEqual(graph.unknownReferences, []);
});

test('a link without alias names the service itself', (t) => {
  const graph = buildDependencyGraph({ web: { links: ['db'] }, db: {} });
  t.deepEqual(graph.dependencies('web'), ['db']);
});

test('the first reference to a service is the edge kept', (t) => {
  const graph = buildDependencyGraph({ web: { depends_on: { db: started }, links: ['db'] }, db: {} });
  t.deepEqual(graph.edges.length, 1);
  t.deepEqual(graph.edge('web', 'db')?.keyPath, ['services', 'web', 'depends_on', 'db']);
});

test('dependents are the services that directly need a service', (t) => {
  const graph = buildDependencyGraph({
    a: { depends_on: { db: started } },
    db: {},
    b: { links: ['db'] },
    c: { depends_on: { a: started } },
  });
  t.deepEqual(graph.dependents('db'), ['a', 'b']);
  t.deepEqual(graph.dependents('a'), ['c']);
  t.deepEqual(graph.dependents('c'), []);
});

test('withDependencies follows needs transitively and keeps service order', (t) => {
  const graph = buildDependencyGraph({
    web: { depends_on: { api: started } },
    api: { depends_on: { db: started } },
    db: {},
    other: {},
  });
  t.deepEqual(graph.withDependencies(['web']), ['web', 'api', 'db']);
  t.deepEqual(graph.withDependencies(['api', 'other']), ['api', 'db', 'other']);
});

test('unknown required references are reported with their key path; optional ones are dropped', (t) => {
  const graph = buildDependencyGraph({
    web: {
      depends_on: { db: started, maybe: { condition: 'service_started', required: false } },
      links: ['cache:c'],
      network_mode: 'service:vpn',
      volumes_from: ['store'],
    },
  });
  t.deepEqual(
    graph.unknownReferences.map((edge) => [edge.to, edge.source, edge.keyPath]),
    [
      ['db', 'depends_on', ['services', 'web', 'depends_on', 'db']],
      ['cache', 'links', ['services', 'web', 'links', 0]],
      ['vpn', 'network_mode', ['services', 'web', 'network_mode']],
      ['store', 'volumes_from', ['services', 'web', 'volumes_from', 0]],
    ],
  );
  t.deepEqual(graph.edges, []);
});

const cycles: [string, Record<string, ServiceConfig>, string[] | undefined][] = [
  ['no cycle', { a: { depends_on: { b: started } }, b: {} }, undefined],
  ['self', { a: { depends_on: { a: started } } }, ['a', 'a']],
  ['two', { b: { depends_on: { a: started } }, a: { depends_on: { b: started } } }, ['a', 'b', 'a']],
  [
    'three behind a head',
    {
      x: { depends_on: { c: started } },
      c: { depends_on: { d: started } },
      d: { links: ['e'] },
      e: { depends_on: { c: started } },
    },
    ['c', 'd', 'e', 'c'],
  ],
  [
    'through network_mode',
    { a: { network_mode: 'service:b' }, b: { volumes_from: ['a:ro'] } },
    ['a', 'b', 'a'],
  ],
];
for (const [name, services, cycle] of cycles) {
  test(`findCycle: ${name}`, (t) => {
    t.deepEqual(buildDependencyGraph(services).findCycle(), cycle);
  });
}

test('a wide acyclic graph is checked without re-walking shared branches', (t) => {
  const services: Record<string, ServiceConfig> = {};
  for (let i = 0; i < 200; i++) {
    services[`s${i}`] = {
      depends_on: i === 0 ? {} : { [`s${i - 1}`]: started, ...(i > 1 ? { [`s${i - 2}`]: started } : {}) },
    };
  }
  t.is(buildDependencyGraph(services).findCycle(), undefined);
});

test('startOrder groups services into levels, each in service order', (t) => {
  const graph = buildDependencyGraph({
    web: { depends_on: { api: started, cache: started } },
    api: { depends_on: { db: started } },
    worker: { depends_on: { db: started } },
    db: {},
    cache: {},
  });
  t.deepEqual(graph.startOrder(), [['db', 'cache'], ['api', 'worker'], ['web']]);
});

test('startOrder of an empty project is empty', (t) => {
  t.deepEqual(buildDependencyGraph({}).startOrder(), []);
});

test('startOrder names the cycle when there is one', (t) => {
  const graph = buildDependencyGraph({
    a: { depends_on: { b: started } },
    b: { depends_on: { a: started } },
  });
  const error = t.throws(() => graph.startOrder(), { instanceOf: ValueError });
  t.is(error?.message, 'dependency cycle detected: a -> b -> a');
});
