import test from 'ava';
import { UserError, ValueError, type Warning } from '../../../src/errors.js';
import { type EnvLookup, interpolateDocument, substitute } from '../../../src/spec/interpolate.js';
import { castAtPath, castKindAt, INTERPOLATION_CASTS } from '../../../src/spec/interpolation-casts.js';
import {
  keyPosition,
  setKeyPosition,
  setValuePosition,
  valuePosition,
} from '../../../src/spec/source-position.js';
import { OverrideTag, ResetTag } from '../../../src/spec/yaml-tags.js';

const env: Record<string, string> = { FOO: 'first', BAR: '', JSON: '{"json":2}' };
const lookup: EnvLookup = (name) => (Object.hasOwn(env, name) ? env[name] : undefined);

const substitutions: Array<[template: string, expected: string]> = [
  ['no variables', 'no variables'],
  ['$FOO', 'first'],
  ['${FOO}', 'first'],
  ['This $FOO var', 'This first var'],
  ['$FOO-bar', 'first-bar'],
  ['${FOO}bar', 'firstbar'],
  ['${foo_2}x', 'x'],
  ['This ${missing} var', 'This  var'],
  ['This ${BAR} var', 'This  var'],
  // :- and - : default when unset-or-empty / unset
  ['ok ${missing:-def}', 'ok def'],
  ['ok ${missing-def}', 'ok def'],
  ['ok ${BAR:-def}', 'ok def'],
  ['ok ${BAR-def}', 'ok '],
  ['ok ${FOO:-def}', 'ok first'],
  ['ok ${BAR:-/non:-alphanumeric}', 'ok /non:-alphanumeric'],
  ['ok ${missing-}', 'ok '],
  // :+ and + : alternate when set-and-non-empty / set
  ['ok ${FOO:+alt}', 'ok alt'],
  ['ok ${FOO+alt}', 'ok alt'],
  ['ok ${BAR:+alt}', 'ok '],
  ['ok ${BAR+alt}', 'ok alt'],
  ['ok ${missing:+alt}', 'ok '],
  ['ok ${missing+alt}', 'ok '],
  // ? and :? pass a set value through
  ['ok ${FOO:?err}', 'ok first'],
  ['ok ${FOO?err}', 'ok first'],
  ['ok ${BAR?err}', 'ok '],
  // the first modifier after the name wins
  ['${missing-myerror?msg}', 'myerror?msg'],
  // nesting
  ['${missing:-${FOO}}', 'first'],
  ['${missing:-${other:-x}}', 'x'],
  ['ok ${missing-$FOO}', 'ok first'],
  ['ok ${missing-${FOO} ${FOO}}', 'ok first first'],
  ['ok ${BAR+$FOO ${FOO:+second}}', 'ok first second'],
  ['+ok ${missing:-${BAR-defaultValue}}', '+ok '],
  ['ok ${missing:-redis}.${FOO:?}', 'ok redis.first'],
  ['${missing:-x} and ${FOO}', 'x and first'],
  // braces inside defaults
  ['ok ${missing:-{"json":1}}', 'ok {"json":1}'],
  ['ok ${JSON:-{"json":1}}', 'ok {"json":2}'],
  ['x ${missing:-a}}', 'x a}'],
  // escapes and literal dollars
  ['$$', '$'],
  ['$${FOO}', '${FOO}'],
  ['$$FOO', '$FOO'],
  ['a $ string', 'a $ string'],
  ['^REGEX$', '^REGEX$'],
  ['$}', '$}'],
  ['$', '$'],
  ['$1 costs $2', '$1 costs $2'],
  ['${FOO}\n$FOO', 'first\nfirst'],
];

for (const [template, expected] of substitutions) {
  test(`substitute ${JSON.stringify(template)} gives ${JSON.stringify(expected)}`, (t) => {
    t.is(substitute(template, lookup), expected);
  });
}

const failures: Array<[template: string, message: string]> = [
  ['${', 'invalid interpolation format in "${"'],
  ['${}', 'invalid interpolation format in "${}"'],
  ['${ }', 'invalid interpolation format in "${ }"'],
  ['${ foo}', 'invalid interpolation format in "${ foo}"'],
  ['${foo }', 'invalid interpolation format in "${foo }"'],
  ['${foo!}', 'invalid interpolation format in "${foo!}"'],
  ['${FOO', 'invalid interpolation format in "${FOO"'],
  ['${FOO:x}', 'invalid interpolation format in "${FOO:x}"'],
  ['${FOO:-a\n}', 'invalid interpolation format in "${FOO:-a\\n}"'],
  [
    'not ok ${missing:?Mandatory Variable Unset}',
    'required variable missing is missing a value: Mandatory Variable Unset',
  ],
  [
    'not ok ${BAR:?Mandatory Variable Empty}',
    'required variable BAR is missing a value: Mandatory Variable Empty',
  ],
  ['not ok ${missing:?}', 'required variable missing is missing a value'],
  ['not ok ${missing?Unset}', 'required variable missing is missing a value: Unset'],
  ['not ok ${missing?}', 'required variable missing is missing a value'],
  ['${missing?bar-baz}', 'required variable missing is missing a value: bar-baz'],
  ['not ok ${missing:?Mandatory ${FOO}}', 'required variable missing is missing a value: Mandatory first'],
];

for (const [template, message] of failures) {
  test(`substitute ${JSON.stringify(template)} fails with "${message}"`, (t) => {
    const error = t.throws(() => substitute(template, lookup), { instanceOf: ValueError });
    t.is(error?.message, message);
  });
}

test('an invalid template hints at escaping $ with $$', (t) => {
  const error = t.throws(() => substitute('${x', lookup), { instanceOf: ValueError });
  t.regex(error?.hint ?? '', /escape any \$ with another \$/);
});

test('defaults and messages are interpolated only when used', (t) => {
  t.is(substitute('${FOO:-${broken}', lookup), 'first');
  t.is(substitute('${FOO?${missing:?never}}', lookup), 'first');
});

test('onUnset hears unset plain references, not those with a modifier', (t) => {
  const unset: string[] = [];
  substitute('$A ${B} ${C:-x} ${D-y} ${E:+z} ${FOO}', lookup, { onUnset: (name) => unset.push(name) });
  t.deepEqual(unset, ['A', 'B']);
});

// --- documents ---------------------------------------------------------------------------------

function positioned(): Record<string, unknown> {
  const ports = [{ target: '${PORT}' }, '8080:80'];
  setKeyPosition(ports, 0, { file: 'compose.yaml', line: 5, col: 9 });
  setKeyPosition(ports, 1, { file: 'compose.yaml', line: 6, col: 9 });
  const web: Record<string, unknown> = { image: 'nginx:${TAG:-latest}', ports, read_only: 'yes' };
  setKeyPosition(web, 'image', { file: 'compose.yaml', line: 3, col: 5 });
  setKeyPosition(web, 'ports', { file: 'compose.yaml', line: 4, col: 5 });
  setKeyPosition(web, 'read_only', { file: 'compose.yaml', line: 7, col: 5 });
  setValuePosition(web, { file: 'compose.yaml', line: 3, col: 5 });
  const services = { web };
  setKeyPosition(services, 'web', { file: 'compose.yaml', line: 2, col: 3 });
  const root = { services };
  setKeyPosition(root, 'services', { file: 'compose.yaml', line: 1, col: 1 });
  return root;
}

test('interpolateDocument substitutes values, casts typed paths and keeps positions', (t) => {
  const input = positioned();
  const out = interpolateDocument(input, (name) => ({ PORT: '80' })[name]) as {
    services: { web: Record<string, unknown> };
  };
  const web = out.services.web;
  t.deepEqual(web, { image: 'nginx:latest', ports: [{ target: 80 }, '8080:80'], read_only: true });
  t.not(out, input);
  t.not(web, (input.services as Record<string, unknown>).web);
  t.deepEqual(keyPosition(web, 'read_only'), { file: 'compose.yaml', line: 7, col: 5 });
  t.deepEqual(keyPosition(web.ports as object, 1), { file: 'compose.yaml', line: 6, col: 9 });
  t.deepEqual(valuePosition(web), { file: 'compose.yaml', line: 3, col: 5 });
});

test('interpolateDocument leaves keys and non-string values alone', (t) => {
  const out = interpolateDocument({ x: { '${KEY}': 1, n: null, b: false, list: [2, '$V'] } }, () => 'v');
  t.deepEqual(out, { x: { '${KEY}': 1, n: null, b: false, list: [2, 'v'] } });
});

test('a value without its own position is reported at the nearest known one', (t) => {
  const error = t.throws(() => interpolateDocument(positioned(), () => undefined), { instanceOf: UserError });
  t.is(
    error?.describe(),
    'compose.yaml:5:9: services.web.ports[0].target: expected an integer, found "" — write a whole number such as 3, or fix the variable it comes from',
  );
});

test('a failed `:?` is reported at the value with its key path', (t) => {
  const web: Record<string, unknown> = { image: '${IMAGE:?set IMAGE}' };
  setKeyPosition(web, 'image', { file: 'compose.yaml', line: 3, col: 5 });
  const error = t.throws(() => interpolateDocument({ services: { web } }, () => undefined), {
    instanceOf: UserError,
  });
  t.is(error?.message, 'required variable IMAGE is missing a value: set IMAGE');
  t.is(error?.keyPath, 'services.web.image');
  t.deepEqual(error?.position, { file: 'compose.yaml', line: 3, col: 5 });
  t.regex(error?.hint ?? '', /set IMAGE in the environment/);
});

test('a bad template in a list item names the item', (t) => {
  const command = ['echo', '${oops'];
  setKeyPosition(command, 1, { file: 'c.yaml', line: 9, col: 7 });
  const error = t.throws(() => interpolateDocument({ services: { web: { command } } }, () => undefined), {
    instanceOf: UserError,
  });
  t.is(
    error?.describe(),
    'c.yaml:9:7: services.web.command[1]: invalid interpolation format in "${oops" — you may need to escape any $ with another $ ("$$")',
  );
});

test('every failure of a document is reported, the first carrying the rest', (t) => {
  const error = t.throws(
    () =>
      interpolateDocument({ a: '${A:?}', b: '${B:?}', services: { w: { tty: 'maybe' } } }, () => undefined),
    { instanceOf: UserError },
  );
  t.deepEqual(
    error?.all().map((e) => `${e.keyPath}: ${e.message}`),
    [
      'a: required variable A is missing a value',
      'b: required variable B is missing a value',
      'services.w.tty: expected a boolean, found "maybe"',
    ],
  );
});

test('unset variables warn once each, with the key path', (t) => {
  const warnings: Warning[] = [];
  interpolateDocument({ a: '$X', b: '${X} ${Y}', c: '${Z:-z}' }, () => undefined, { warnings });
  t.deepEqual(
    warnings.map((w) => `${w.keyPath}: ${w.message}`),
    [
      'a: the "X" variable is not set, defaulting to a blank string',
      'b: the "Y" variable is not set, defaulting to a blank string',
    ],
  );
});

test('!override values are interpolated and cast inside a new marker; !reset is kept', (t) => {
  const reset = new ResetTag();
  const input = {
    services: { web: { read_only: new OverrideTag('${RO}'), ports: reset, image: new OverrideTag(['$A']) } },
  };
  const out = interpolateDocument(input, (name) => ({ RO: 'false', A: 'a' })[name]) as typeof input;
  const web = out.services.web;
  t.true(web.read_only instanceof OverrideTag);
  t.not(web.read_only, input.services.web.read_only);
  t.is(web.read_only.value, false);
  t.deepEqual(web.image.value, ['a']);
  t.is(web.ports, reset);
});

test('a __proto__ key stays an ordinary key', (t) => {
  const input = JSON.parse('{"x-ext": {"__proto__": "$V"}}') as Record<string, unknown>;
  const out = interpolateDocument(input, () => 'v') as Record<string, Record<string, unknown>>;
  t.true(Object.hasOwn(out['x-ext'] as object, '__proto__'));
  t.is(Object.getPrototypeOf(out['x-ext']), Object.prototype);
});

test('castTypes: false keeps strings', (t) => {
  t.deepEqual(interpolateDocument({ services: { w: { tty: 'true' } } }, lookup, { castTypes: false }), {
    services: { w: { tty: 'true' } },
  });
});

test('basePath places a fragment for casts and key paths', (t) => {
  t.deepEqual(interpolateDocument({ scale: '3' }, lookup, { basePath: ['services', 'web'] }), { scale: 3 });
});

// --- casts -------------------------------------------------------------------------------------

/** One concrete path per table row, with `*` → a name and `[]` → index 0. */
function concrete(pattern: readonly string[]): (string | number)[] {
  return pattern.map((part) => (part === '*' ? 'x' : part === '[]' ? 0 : part));
}

const samples = {
  int: ['42', 42, '4.2'],
  int64: ['-7', -7, 'seven'],
  float: ['0.25', 0.25, '1/4'],
  float32: ['1.5', 1.5, '1e39'],
  boolean: ['TRUE', true, 'maybe'],
} as const;

for (const { path, kind } of INTERPOLATION_CASTS) {
  const name = path.join('.');
  const [good, cast, bad] = samples[kind];
  test(`${name} casts to ${kind}`, (t) => {
    const at = concrete(path);
    t.is(castAtPath(at, good), cast);
    const error = t.throws(() => castAtPath(at, bad), { instanceOf: UserError });
    t.regex(error?.message ?? '', /^expected (an integer|a number|a boolean), found "/);
    t.is(error?.keyPath?.startsWith(at[0] as string), true);
  });
}

test('cast failures name the path and the expected type', (t) => {
  const error = t.throws(() => castAtPath(['services', 'web', 'ports', 2, 'target'], 'http'), {
    instanceOf: UserError,
  });
  t.is(
    error?.describe(),
    'services.web.ports[2].target: expected an integer, found "http" — write a whole number such as 3, or fix the variable it comes from',
  );
});

test('paths outside the table keep their strings', (t) => {
  t.is(castAtPath(['services', 'web', 'image'], '42'), '42');
  t.is(castAtPath(['services', 'web', 'ports', 0], '80'), '80');
  t.is(castAtPath(['x-read_only'], 'true'), 'true');
  t.is(castKindAt(['services', 'web', 'ports', 'target']), undefined);
  t.is(castKindAt(['services', 'web', 'ulimits', 'nofile']), 'int');
  t.is(castKindAt(['services', 'web', 'depends_on', 'db', 'required']), 'boolean');
});

const integers: Array<[string, number | undefined]> = [
  ['0', 0],
  ['+5', 5],
  ['007', 7],
  ['-9223372036854775808', Number(-(2n ** 63n))],
  ['9223372036854775808', undefined],
  ['', undefined],
  [' 1', undefined],
  ['1_000', undefined],
  ['0x10', undefined],
  ['1e3', undefined],
];
for (const [text, expected] of integers) {
  test(`integer ${JSON.stringify(text)} parses as Go's Atoi does`, (t) => {
    const at = ['services', 'web', 'scale'];
    if (expected === undefined) t.throws(() => castAtPath(at, text), { instanceOf: UserError });
    else t.is(castAtPath(at, text), expected);
  });
}

const floats: Array<[string, number | undefined]> = [
  ['.5', 0.5],
  ['5.', 5],
  ['1e3', 1000],
  ['-2.5E-1', -0.25],
  ['1e308', 1e308],
  ['1e309', undefined],
  ['.', undefined],
  ['1,5', undefined],
];
for (const [text, expected] of floats) {
  test(`float ${JSON.stringify(text)} parses as Go's ParseFloat does`, (t) => {
    const at = ['services', 'web', 'cpu_percent'];
    if (expected === undefined) t.throws(() => castAtPath(at, text), { instanceOf: UserError });
    else t.is(castAtPath(at, text), expected);
  });
}

test('float32 fields refuse values beyond float32 range', (t) => {
  t.is(castAtPath(['services', 'w', 'cpus'], '3.4e38'), 3.4e38);
  t.throws(() => castAtPath(['services', 'w', 'cpus'], '3.5e38'), { instanceOf: UserError });
  t.is(castAtPath(['services', 'w', 'cpus'], '0.1'), 0.1);
});

test('inf and nan parse as floats, as in Go', (t) => {
  t.is(castAtPath(['services', 'w', 'cpus'], '-Inf'), Number.NEGATIVE_INFINITY);
  t.true(Number.isNaN(castAtPath(['services', 'w', 'cpus'], 'NaN')));
});

const booleans: Array<[string, boolean, boolean]> = [
  ['true', true, false],
  ['False', false, false],
  ['y', true, true],
  ['Yes', true, true],
  ['ON', true, true],
  ['n', false, true],
  ['no', false, true],
  ['off', false, true],
];
for (const [text, expected, warns] of booleans) {
  test(`boolean ${JSON.stringify(text)} is ${expected}${warns ? ' with a YAML 1.2 warning' : ''}`, (t) => {
    const messages: string[] = [];
    t.is(
      castAtPath(['services', 'w', 'tty'], text, (m) => messages.push(m)),
      expected,
    );
    t.deepEqual(
      messages,
      warns ? [`"${text}" for boolean is not supported by YAML 1.2, please use \`${expected}\``] : [],
    );
  });
}

test('boolean casting does not accept 1 or 0', (t) => {
  t.throws(() => castAtPath(['networks', 'n', 'external'], '1'), { instanceOf: UserError });
});
