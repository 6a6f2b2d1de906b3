import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { MAX_COMPOSE_FILE_BYTES, parseComposeFile, parseComposeText } from '../../../src/spec/parse-yaml.js';
import { locate } from '../../../src/spec/source-position.js';
import { isOverrideTag, isResetTag } from '../../../src/spec/yaml-tags.js';

const parseOne = (text: string) => parseComposeText(text, 'compose.yaml')[0]!;
const failure = (fn: () => unknown): UserError => {
  const error = (() => {
    try {
      fn();
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error;
};
const bytes = (text: string) => new TextEncoder().encode(text);

test('keys remember their file, line and column', (t) => {
  const doc = parseOne('services:\n  web:\n    image: nginx\n    ports:\n      - "80:80"\n');
  t.deepEqual(locate(doc, ['services', 'web', 'image']), { file: 'compose.yaml', line: 3, col: 5 });
  t.deepEqual(locate(doc, ['services', 'web', 'ports', 0]), { file: 'compose.yaml', line: 5, col: 9 });
});

test('values follow the YAML 1.2 core schema, as docker compose reads them', (t) => {
  const doc = parseOne('a: yes\nb: on\nc: 0o12\nd: 0x1F\ne: 1.5\nf: ~\ng: true\nh: "0444"\n');
  t.deepEqual(doc, { a: 'yes', b: 'on', c: 10, d: 31, e: 1.5, f: null, g: true, h: '0444' });
});

test('a plain number with a leading zero is octal, as docker compose reads file modes', (t) => {
  t.deepEqual(parseOne('mode: 0444\nzero: 0\nneg: -010\nnot: 089\n'), {
    mode: 292,
    zero: 0,
    neg: -8,
    not: 89,
  });
});

test('numeric and boolean keys become strings', (t) => {
  t.deepEqual(parseOne('labels:\n  80: x\n  true: y\n'), { labels: { '80': 'x', true: 'y' } });
});

test('merge keys copy missing keys and keep explicit ones', (t) => {
  const doc = parseOne(
    'x-a: &a {image: busybox, init: true}\nx-b: &b {image: other, tty: true}\nservices:\n  s:\n    <<: [*a, *b]\n    init: false\n',
  );
  t.deepEqual((doc.services as Record<string, unknown>).s, { init: false, image: 'busybox', tty: true });
});

test('!reset and !override become markers for the merge phase', (t) => {
  const doc = parseOne('services:\n  s:\n    ports: !reset []\n    command: !override [a]\n');
  const service = (doc.services as Record<string, Record<string, unknown>>).s!;
  t.true(isResetTag(service.ports));
  t.true(isOverrideTag(service.command));
});

test('several YAML documents in one file are returned in order', (t) => {
  const docs = parseComposeText('services: {a: {image: x}}\n---\nservices: {b: {image: y}}\n', 'c.yaml');
  t.is(docs.length, 2);
});

test('a duplicate key is an error at the second occurrence', (t) => {
  const error = failure(() => parseOne('services:\n  web:\n    image: a\n    image: b\n'));
  t.is(error.message, 'duplicate key "image"');
  t.deepEqual(error.position, { file: 'compose.yaml', line: 4, col: 5 });
});

test('malformed YAML names the line and column', (t) => {
  const error = failure(() => parseOne('services:\n  web: [unclosed\n'));
  t.regex(error.message, /^invalid YAML: /);
  t.is(error.position?.file, 'compose.yaml');
  t.true((error.position?.line ?? 0) >= 2);
});

test('a document that is not a map is refused', (t) => {
  t.regex(failure(() => parseOne('- a\n- b\n')).message, /top-level object must be a map, got a list/);
  t.regex(failure(() => parseOne('just text\n')).message, /got a scalar/);
});

test('an empty file is refused', (t) => {
  t.is(failure(() => parseComposeFile(bytes(''), 'c.yaml')).message, 'empty compose file');
  t.is(failure(() => parseComposeFile(bytes('# only a comment\n'), 'c.yaml')).message, 'empty compose file');
});

test('a file that is not UTF-8 names where the bad byte is', (t) => {
  const data = new Uint8Array([...bytes('services:\n  web:\n    image: "caf'), 0xe9, ...bytes('"\n')]);
  const error = failure(() => parseComposeFile(data, 'c.yaml'));
  t.is(error.message, 'file is not valid UTF-8');
  t.is(error.position?.line, 3);
  t.regex(failure(() => parseComposeFile(new Uint8Array([0xff, 0xfe, 0x61, 0]), 'c.yaml')).message, /UTF-16/);
});

test('a file over the size limit is refused before parsing', (t) => {
  const big = new Uint8Array(MAX_COMPOSE_FILE_BYTES + 1).fill(0x20);
  const started = performance.now();
  t.regex(failure(() => parseComposeFile(big, 'big.yaml')).message, /limited to 16 MiB/);
  t.true(performance.now() - started < 3000);
});

test('an alias bomb is refused quickly, before anything expands it', (t) => {
  let bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 12; i++) {
    const name = String.fromCharCode(97 + i);
    const previous = String.fromCharCode(96 + i);
    bomb += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
  }
  const started = performance.now();
  t.regex(failure(() => parseOne(bomb)).message, /alias bomb/);
  // Expanding it would take minutes; the bound leaves room for a loaded CI machine.
  t.true(performance.now() - started < 2000, 'answered in under 2 s');
});

test('a map with 40,000 keys parses in linear time', (t) => {
  let text = 'services:\n';
  for (let i = 0; i < 40_000; i++) text += `  s${i}:\n    image: busybox\n`;
  const started = performance.now();
  t.is(Object.keys(parseOne(text).services as object).length, 40_000);
  // yaml's own duplicate-key check made this 11 s (quadratic); linear it takes well under 2 s.
  t.true(performance.now() - started < 5000);
});

test('ordinary reuse of anchors is not mistaken for a bomb', (t) => {
  let text = 'x-common: &common\n  image: busybox\n  environment: {A: "1", B: "2"}\nservices:\n';
  for (let i = 0; i < 500; i++) text += `  s${i}:\n    <<: *common\n`;
  const doc = parseOne(text);
  t.is(Object.keys(doc.services as object).length, 500);
});

test('an unknown alias and an unknown tag are errors with positions', (t) => {
  t.regex(failure(() => parseOne('a: *nope\n')).message, /unknown alias \*nope/);
  const tagged = failure(() => parseOne('a: !custom 3\n'));
  t.regex(tagged.message, /unknown YAML tag !custom/);
  t.like(tagged.position, { file: 'compose.yaml', line: 1 });
});

test('a key named __proto__ is data, not a prototype change', (t) => {
  const doc = parseOne('labels:\n  __proto__: x\n');
  t.deepEqual(Object.keys(doc.labels as object), ['__proto__']);
  t.is(Object.getPrototypeOf(doc.labels), Object.prototype);
});
