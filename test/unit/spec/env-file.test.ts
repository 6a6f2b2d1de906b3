import { fileURLToPath } from 'node:url';
import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { parseEnvFile, readEnvFile } from '../../../src/spec/env-file.js';

const fixtures = fileURLToPath(new URL('../../fixtures/env/', import.meta.url));

function parse(text: string, options: Parameters<typeof parseEnvFile>[2] = {}): Record<string, string> {
  return Object.fromEntries(parseEnvFile(text, '.env', options));
}

const single: Array<[line: string, key: string, value: string]> = [
  ['FOO=bar', 'FOO', 'bar'],
  ['FOO =bar', 'FOO', 'bar'],
  ['FOO= bar', 'FOO', 'bar'],
  ['FOO=bar ', 'FOO', 'bar'],
  ['FOO="bar"', 'FOO', 'bar'],
  ["FOO='bar'", 'FOO', 'bar'],
  ['FOO="escaped\\"bar"', 'FOO', 'escaped"bar'],
  ['FOO="\\"quoted\\""', 'FOO', '"quoted"'],
  [`FOO="'d'"`, 'FOO', "'d'"],
  ['OPTION_A: 1', 'OPTION_A', '1'],
  ['OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'],
  ['OPTION_A=1:B', 'OPTION_A', '1:B'],
  ['export OPTION_A=2', 'OPTION_A', '2'],
  ["export OPTION_B='\\n'", 'OPTION_B', '\\n'],
  ['export exportFoo=2', 'exportFoo', '2'],
  ['exportFOO=2', 'exportFOO', '2'],
  ['export_FOO =2', 'export_FOO', '2'],
  ['export\tOPTION_A=2', 'OPTION_A', '2'],
  ['  export OPTION_A=2', 'OPTION_A', '2'],
  ['export OPTION_A="export A"', 'OPTION_A', 'export A'],
  ['FOO="bar\\nbaz"', 'FOO', 'bar\nbaz'],
  ['FOO=a\\tb', 'FOO', 'a\\tb'],
  ['FOO="a\\tb"', 'FOO', 'a\tb'],
  ['KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', 'KEY', 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ'],
  ['KEY="\\x07 \\u12e4 \\c \\012"', 'KEY', '\\x07 \\u12e4 \\c \\012'],
  ['FOO="bar\\n\\ b\\az"', 'FOO', 'bar\n\\ b\x07z'],
  ['FOO="bar\\nbaz\\\\"', 'FOO', 'bar\nbaz\\'],
  ['FOO.BAR=foobar', 'FOO.BAR', 'foobar'],
  ['VAR-WITH-DASHES=dashes', 'VAR-WITH-DASHES', 'dashes'],
  ['a[1]=c', 'a[1]', 'c'],
  ['árvíztűrő=tükör', 'árvíztűrő', 'tükör'],
  ['FOO=foobar=', 'FOO', 'foobar='],
  ['FOO=', 'FOO', ''],
  ['FOO=bar # this is foo', 'FOO', 'bar'],
  ['FOO=bar #', 'FOO', 'bar'],
  ['FOO=123#not-an-inline-comment', 'FOO', '123#not-an-inline-comment'],
  ['FOO="bar#baz" # comment', 'FOO', 'bar#baz'],
  ["FOO='bar#baz' # comment", 'FOO', 'bar#baz'],
  ['FOO="bar#baz"#', 'FOO', 'bar#baz'],
  ['\tKEY=value', 'KEY', 'value'],
  ['KEY=value\r', 'KEY', 'value'],
];

for (const [line, key, value] of single) {
  test(`dotenv ${JSON.stringify(line)} sets ${key}=${JSON.stringify(value)}`, (t) => {
    t.deepEqual(parse(line), { [key]: value });
  });
}

test('blank lines, whitespace-only lines and comments set nothing', (t) => {
  t.deepEqual(parse('\n\r\n\t\t \n# Comment\n\t # indented comment\n'), {});
});

test('a double-quoted value may span lines', (t) => {
  t.deepEqual(parse('A="one\ntwo"\nB=3'), { A: 'one\ntwo', B: '3' });
});

test('the quoted fixture reads as compose reads it', async (t) => {
  const values = Object.fromEntries(await readEnvFile(`${fixtures}quoted.env`));
  t.deepEqual(values, {
    OPTION_A: '1',
    OPTION_B: '2',
    OPTION_C: '',
    OPTION_D: '\\n',
    OPTION_H: '\n',
    OPTION_I: "echo 'asd'",
    OPTION_J: 'first line\nsecond line\nthird line\nand so on',
    OPTION_K: "Let's go!",
    OPTION_Z: 'last value',
  });
});

test('keys keep the order of the file', (t) => {
  t.deepEqual([...parseEnvFile('B=1\nA=2\nC=3\nB=4', '.env').keys()], ['B', 'A', 'C']);
});

test('a bare KEY takes its value from the lookup, or is left out', (t) => {
  const lookup = (name: string) => (name === 'FROM_OS' ? 'os value' : undefined);
  t.deepEqual(parse('foo=bar\nFROM_OS\nMISSING\nbar=baz', { lookup }), {
    foo: 'bar',
    FROM_OS: 'os value',
    bar: 'baz',
  });
  t.deepEqual(parse('FROM_OS', { lookup }), { FROM_OS: 'os value' });
});

test('unquoted and double-quoted values interpolate earlier keys', (t) => {
  t.deepEqual(parse('FOO=test\nBAR=$FOO\nBAZ=${FOO}bar\nQ="quote $FOO"\nU=${UNSET}'), {
    FOO: 'test',
    BAR: 'test',
    BAZ: 'testbar',
    Q: 'quote test',
    U: '',
  });
});

test('single-quoted values and escaped dollars are not interpolated', (t) => {
  t.deepEqual(parse(`FOO=test\nA='quote $FOO'\nB="foo\\$BAR"\nC="foo\\\${FOO} \${FOO}"`), {
    FOO: 'test',
    A: 'quote $FOO',
    B: 'foo$BAR',
    C: 'foo${FOO} test',
  });
});

test('the lookup wins over earlier keys of the file when interpolating, as in compose', (t) => {
  const lookup = (name: string) => (name === 'OPTION_A' ? '5' : undefined);
  t.deepEqual(parse('OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=${OPTION_A:-x}_$OPTION_B', { lookup }), {
    OPTION_A: '1',
    OPTION_B: '5',
    OPTION_C: '5_5',
  });
});

test('defaults in the file apply when the lookup has nothing', (t) => {
  t.deepEqual(parse('OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}'), { OPTION_A: '1', OPTION_B: '1' });
});

test('into: parsing continues a map and sees its earlier entries', (t) => {
  const into = new Map([['HOST', 'base']]);
  const out = parseEnvFile('URL=http://$HOST\nHOST=next', 'b.env', { into });
  t.is(out, into);
  t.deepEqual(Object.fromEntries(out), { HOST: 'next', URL: 'http://base' });
});

test('a failed ${VAR:?} in a value is an error at that value', (t) => {
  const error = t.throws(() => parse('A=1\nB=${NEED:?set NEED}'), { instanceOf: UserError });
  t.is(error?.message, 'required variable NEED is missing a value: set NEED');
  t.deepEqual(error?.position, { file: '.env', line: 2, col: 3 });
});

test('raw format keeps values verbatim', (t) => {
  const text = '# comment\n  A="quoted" # not a comment\nB=$HOME ${X:-y}\nC=  spaced  \r\nBARE\nGONE\n\nD=\n';
  t.deepEqual(parse(text, { raw: true, lookup: (name) => (name === 'BARE' ? 'bare' : undefined) }), {
    A: '"quoted" # not a comment',
    B: '$HOME ${X:-y}',
    C: '  spaced  ',
    BARE: 'bare',
    D: '',
  });
});

test('raw format refuses names with spaces and lines without a name', (t) => {
  const spaced = t.throws(() => parse('OK=1\nA B=1', { raw: true }), { instanceOf: UserError });
  t.is(spaced?.message, "variable 'A B' contains whitespaces");
  t.deepEqual(spaced?.position, { file: '.env', line: 2, col: 1 });
  const nameless = t.throws(() => parse('  =1', { raw: true }), { instanceOf: UserError });
  t.is(nameless?.message, "no variable name on line '=1'");
  t.deepEqual(nameless?.position, { file: '.env', line: 1, col: 3 });
});

test('a UTF-8 byte order mark is skipped', async (t) => {
  t.deepEqual(Object.fromEntries(await readEnvFile(`${fixtures}bom.env`)), { OPTION_A: '1', OPTION_B: '2' });
  t.deepEqual(parse('\uFEFFA=1', { raw: true }), { A: '1' });
});

test('a key with a space is an error at its line, after a multiline value', async (t) => {
  const path = `${fixtures}invalid.env`;
  const error = await t.throwsAsync(readEnvFile(path), { instanceOf: UserError });
  t.is(error?.message, 'variable name "INVALID LINE" cannot contain a space');
  t.deepEqual(error?.position, { file: path, line: 7, col: 1 });
  t.truthy(error?.hint);
});

test('an unexpected character in a name is an error with line and column', (t) => {
  const error = t.throws(() => parse('OK=1\n\nlol$wut'), { instanceOf: UserError });
  t.is(error?.message, 'unexpected character "$" in variable name "lol$wut"');
  t.deepEqual(error?.position, { file: '.env', line: 3, col: 4 });
});

const unterminated = [
  'KEY="',
  'KEY="value',
  'KEY="value\\"',
  `KEY="value'`,
  "KEY='",
  "KEY='value",
  "KEY='value\\'",
  `KEY='value"`,
];
for (const text of unterminated) {
  test(`an unterminated quote is an error: ${text}`, (t) => {
    const error = t.throws(() => parse(`A=1\n${text}\nB=2`), { instanceOf: UserError });
    t.regex(error?.message ?? '', /^unterminated quoted value /);
    t.deepEqual(error?.position, { file: '.env', line: 2, col: 5 });
  });
}

test('a missing required env file is an error naming it', async (t) => {
  const path = `${fixtures}missing.env`;
  const error = await t.throwsAsync(readEnvFile(path), { instanceOf: UserError });
  t.is(error?.message, `env file ${path} not found`);
  t.regex(error?.hint ?? '', /required: false/);
});

test('a missing env file with required: false reads as empty', async (t) => {
  t.is((await readEnvFile(`${fixtures}missing.env`, { required: false })).size, 0);
});

test('a directory is not an env file', async (t) => {
  const error = await t.throwsAsync(readEnvFile(fixtures), { instanceOf: UserError });
  t.regex(error?.message ?? '', /is a directory$/);
});
