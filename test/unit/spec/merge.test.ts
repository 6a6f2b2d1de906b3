import test from 'ava';
import { enforceUniqueness, mergeDocuments, resolveTags } from '../../../src/spec/merge.js';
import { parseComposeText } from '../../../src/spec/parse-yaml.js';
import { locate } from '../../../src/spec/source-position.js';

type Doc = Record<string, unknown>;
const yaml = (text: string, file = 'a.yaml') => parseComposeText(text, file)[0]!;
const merge = (base: string, override: string): Doc =>
  enforceUniqueness(mergeDocuments(resolveTags(yaml(base)), yaml(override, 'b.yaml')));
const service = (doc: Doc, name = 's') => (doc.services as Record<string, Doc>)[name]!;

test('maps merge key by key and scalars are replaced', (t) => {
  const doc = merge('services: {s: {image: a, init: true}}', 'services: {s: {image: b, tty: true}}');
  t.deepEqual(service(doc), { image: 'b', init: true, tty: true });
});

test('ordinary lists append', (t) => {
  const doc = merge('services: {s: {group_add: [a]}}', 'services: {s: {group_add: [b]}}');
  t.deepEqual(service(doc).group_add, ['a', 'b']);
});

test('command, entrypoint and healthcheck.test are replaced, not appended', (t) => {
  const doc = merge(
    'services: {s: {command: [a, b], entrypoint: [x], healthcheck: {test: [CMD, a], retries: 3}}}',
    'services: {s: {command: [c], entrypoint: [y], healthcheck: {test: [CMD, b]}}}',
  );
  t.deepEqual(service(doc).command, ['c']);
  t.deepEqual(service(doc).entrypoint, ['y']);
  t.deepEqual(service(doc).healthcheck, { test: ['CMD', 'b'], retries: 3 });
});

test('environment in list or map form merges by variable name, the override winning', (t) => {
  const doc = merge(
    'services: {s: {environment: {A: "1", B: "2"}}}',
    'services: {s: {environment: [B=3, C]}}',
  );
  t.deepEqual(service(doc).environment, ['A=1', 'B=3', 'C']);
});

test('labels, sysctls and build args merge as key=value lists', (t) => {
  const doc = merge(
    'services: {s: {labels: [a=1], sysctls: {x: 1}, build: {context: ., args: {V: "1"}}}}',
    'services: {s: {labels: {a: "2", b: "3"}, sysctls: [x=2], build: {args: [V=2]}}}',
  );
  t.deepEqual(service(doc).labels, ['a=2', 'b=3']);
  t.deepEqual(service(doc).sysctls, ['x=2']);
  t.deepEqual(service(doc).build, { context: '.', args: ['V=2'] });
});

test('volumes, secrets and configs are unique by target', (t) => {
  const doc = merge(
    'services: {s: {volumes: ["foo:/work", "/a:/b"], secrets: [one], configs: [{source: c, target: /c}]}}',
    'services: {s: {volumes: ["bar:/work", {type: bind, source: /x, target: /b}], secrets: [{source: other, target: /run/secrets/one}], configs: [{source: d, target: /c}]}}',
  );
  t.deepEqual(service(doc).volumes, ['bar:/work', { type: 'bind', source: '/x', target: '/b' }]);
  t.deepEqual(service(doc).secrets, [{ source: 'other', target: '/run/secrets/one' }]);
  t.deepEqual(service(doc).configs, [{ source: 'd', target: '/c' }]);
});

test('identical ports are kept once; different ones append', (t) => {
  const doc = merge(
    'services: {s: {ports: ["80:80", "443:443"]}}',
    'services: {s: {ports: ["80:80", "81:81"]}}',
  );
  t.deepEqual(service(doc).ports, ['80:80', '443:443', '81:81']);
});

test('depends_on in list form merges with map form and gets compose defaults', (t) => {
  const doc = merge(
    'services: {s: {depends_on: [db, cache]}}',
    'services: {s: {depends_on: {db: {condition: service_healthy}}}}',
  );
  t.deepEqual(service(doc).depends_on, {
    db: { condition: 'service_healthy', required: true },
    cache: { condition: 'service_started', required: true },
  });
});

test('networks in list form merge with map form', (t) => {
  const doc = merge(
    'services: {s: {networks: [front]}}',
    'services: {s: {networks: {back: {aliases: [b]}}}}',
  );
  t.deepEqual(service(doc).networks, { front: null, back: { aliases: ['b'] } });
});

test('extra_hosts merge without duplicates', (t) => {
  const doc = merge(
    'services: {s: {extra_hosts: ["a=1.1.1.1"]}}',
    'services: {s: {extra_hosts: ["a=1.1.1.1", "b=2.2.2.2"]}}',
  );
  t.deepEqual(service(doc).extra_hosts, ['a=1.1.1.1', 'b=2.2.2.2']);
});

test('logging options merge only when the driver stays the same', (t) => {
  const same = merge(
    'services: {s: {logging: {driver: json-file, options: {max-size: 1m}}}}',
    'services: {s: {logging: {options: {max-file: "3"}}}}',
  );
  t.deepEqual(service(same).logging, { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
  const other = merge(
    'services: {s: {logging: {driver: json-file, options: {max-size: 1m}}}}',
    'services: {s: {logging: {driver: syslog}}}',
  );
  t.deepEqual(service(other).logging, { driver: 'syslog' });
});

test('ipam configs merge by subnet', (t) => {
  const doc = merge(
    'networks: {n: {ipam: {config: [{subnet: 10.1.0.0/16, gateway: 10.1.0.1}]}}}',
    'networks: {n: {ipam: {config: [{subnet: 10.1.0.0/16, ip_range: 10.1.1.0/24}, {subnet: 10.2.0.0/16}]}}}',
  );
  t.deepEqual((doc.networks as Record<string, Doc>).n!.ipam, {
    config: [
      { subnet: '10.1.0.0/16', gateway: '10.1.0.1', ip_range: '10.1.1.0/24' },
      { subnet: '10.2.0.0/16' },
    ],
  });
});

test('!reset removes a value and !override replaces it whole', (t) => {
  const doc = merge(
    'services: {s: {image: a, ports: ["8080:80"], environment: {FOO: BAR, KEEP: "1"}}}',
    'services: {s: {ports: !override ["8443:443"], environment: {FOO: !reset null}, image: !reset null}}',
  );
  t.deepEqual(service(doc), { ports: ['8443:443'], environment: ['KEEP=1'] });
});

test('a list cannot be merged into a map', (t) => {
  const error = t.throws(() =>
    merge('services: {s: {group_add: [a]}}', 'services: {s: {group_add: {x: 1}}}'),
  );
  t.regex(error.message, /cannot merge/);
});

test('merged values keep the position of the file that set them', (t) => {
  const doc = merge('services:\n  s:\n    image: a\n    init: true\n', 'services:\n  s:\n    image: b\n');
  t.is(locate(doc, ['services', 's', 'image'])?.file, 'b.yaml');
  t.is(locate(doc, ['services', 's', 'init'])?.file, 'a.yaml');
});

test('inputs are not mutated', (t) => {
  const base = resolveTags(yaml('services: {s: {environment: [A=1]}}'));
  const before = JSON.stringify(base);
  mergeDocuments(base, yaml('services: {s: {environment: [A=2]}}'));
  t.is(JSON.stringify(base), before);
});

test('a document without tags or duplicates is passed through, not copied', (t) => {
  const doc = yaml('services: {s: {image: a, ports: ["80:80"], environment: [A=1]}}');
  t.is(resolveTags(doc), doc);
  t.is(enforceUniqueness(doc), doc);
  const withDuplicate = yaml('services: {s: {image: a, ports: ["80:80", "80:80"]}, t: {image: b}}');
  const deduped = enforceUniqueness(withDuplicate);
  t.not(deduped, withDuplicate);
  t.is(service(deduped, 't'), service(withDuplicate, 't'), 'unchanged branches are shared');
  t.deepEqual(service(withDuplicate).ports, ['80:80', '80:80'], 'the input is not mutated');
});
