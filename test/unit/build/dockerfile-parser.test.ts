import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { parseDockerfile } from '../../../src/build/dockerfile-parser.js';
import { readDockerfile } from '../../../src/build/instruction-parser.js';

const lines = (...text: string[]): string => `${text.join('\n')}\n`;

test('continuation lines join; comments and blank lines inside them are skipped; lines are counted', (t) => {
  const parsed = parseDockerfile(lines('FROM busybox', '# a comment', 'RUN echo a \\', '  # inside', '', '    b \\', 'c', 'CMD sh'));
  t.deepEqual(
    parsed.instructions.map(({ keyword, args, line, endLine }) => ({ keyword, args, line, endLine })),
    [
      { keyword: 'FROM', args: 'busybox', line: 1, endLine: 1 },
      { keyword: 'RUN', args: 'echo a     b c', line: 3, endLine: 7 },
      { keyword: 'CMD', args: 'sh', line: 8, endLine: 8 },
    ],
  );
  t.is(parsed.warnings.length, 1);
});

test('keywords are case-insensitive; trailing blanks after the escape still continue the line', (t) => {
  const parsed = parseDockerfile(lines('from busybox', 'run a \\  ', 'b'));
  t.deepEqual(parsed.instructions.map((i) => `${i.keyword} ${i.args}`), ['FROM busybox', 'RUN a b']);
});

test('parser directives at the top set the escape character; later ones are comments', (t) => {
  const parsed = parseDockerfile(lines('# syntax=docker/dockerfile:1', '# escape=`', 'FROM busybox', 'RUN a `', 'b \\', '# escape=\\'));
  t.is(parsed.directives.escape, '`');
  t.is(parsed.directives.syntax, 'docker/dockerfile:1');
  t.deepEqual(parsed.instructions.map((i) => i.args), ['busybox', 'a b \\']);
});

test('a directive after a comment or blank line is only a comment; a repeated or bad one is an error', (t) => {
  t.is(parseDockerfile(lines('', '# escape=`', 'FROM x')).directives.escape, '\\');
  t.throws(() => parseDockerfile(lines('# escape=`', '# escape=\\', 'FROM x')), { instanceOf: UserError, message: /only one escape/ });
  const error = t.throws(() => parseDockerfile(lines('# escape=x', 'FROM x')), { instanceOf: UserError });
  t.is(error?.position?.line, 1);
});

test('heredocs take the following lines up to the delimiter; quoted delimiters turn expansion off; <<- strips tabs', (t) => {
  const parsed = parseDockerfile(lines('FROM busybox', 'RUN <<EOF', 'echo $HOME', 'EOF', 'COPY <<-"one" <<two /dest/', '\t\tfirst', '\tone', 'second', 'two', 'CMD sh'));
  const [, run, copy, cmd] = parsed.instructions;
  t.deepEqual(run?.heredocs, [{ name: 'EOF', content: 'echo $HOME\n', expand: true }]);
  t.is(run?.endLine, 4);
  t.deepEqual(copy?.heredocs, [
    { name: 'one', content: 'first\n', expand: false },
    { name: 'two', content: 'second\n', expand: true },
  ]);
  t.is(cmd?.line, 10);
});

test('<< inside quotes is not a heredoc, and only RUN, COPY and ADD take them', (t) => {
  const parsed = parseDockerfile(lines('FROM busybox', 'RUN echo "<<EOF"', 'CMD cat <<EOF'));
  t.deepEqual(parsed.instructions.map((i) => i.heredocs.length), [0, 0, 0]);
});

test('an unterminated heredoc names the line of its instruction', (t) => {
  const error = t.throws(() => parseDockerfile(lines('FROM busybox', '', 'RUN <<EOF', 'echo hi')), { instanceOf: UserError });
  t.regex(error?.message ?? '', /unterminated heredoc EOF/);
  t.deepEqual(error?.position, { file: 'Dockerfile', line: 3, col: 1 });
});

test('instructions become typed values with flags, exec and shell forms', (t) => {
  const file = readDockerfile(lines(
    'ARG BASE=busybox',
    'FROM --platform=linux/amd64 ${BASE} AS Build',
    'RUN --network=none ["sh", "-c", "echo hi"]',
    'RUN [not json',
    'COPY --from=build --chown=app:app --chmod=0755 --link a b/ /dest/',
    'ADD ["with space", "/x"]',
    'ENV A=1 B="two words"',
    'ENV LEGACY some value',
    'LABEL org.example="x"',
    'ARG ONE TWO=2',
    'EXPOSE 80 53/udp',
    'VOLUME ["/data", "/logs"]',
    'HEALTHCHECK --interval=5s --retries=3 CMD wget -q localhost',
    'SHELL ["/bin/sh", "-eu", "-c"]',
    'ONBUILD RUN make',
    'STOPSIGNAL SIGINT',
    'CMD ["app"]',
  ));
  const [arg, from, run, runShell, copy, add, env, legacy, label, args, expose, volume, health, shell, onbuild, stop, cmd] = file.instructions;
  t.deepEqual(arg, { kind: 'ARG', line: 1, endLine: 1, original: 'ARG BASE=busybox', args: [{ name: 'BASE', defaultValue: 'busybox' }] });
  t.like(from, { kind: 'FROM', image: '${BASE}', stageName: 'build', platform: 'linux/amd64' });
  t.like(run, { kind: 'RUN', network: 'none', command: { form: 'exec', args: ['sh', '-c', 'echo hi'] } });
  t.like(runShell, { kind: 'RUN', command: { form: 'shell', command: '[not json' } });
  t.like(copy, { kind: 'COPY', from: 'build', chown: 'app:app', chmod: '0755', link: true, sources: ['a', 'b/'], dest: '/dest/' });
  t.like(add, { kind: 'ADD', sources: ['with space'], dest: '/x' });
  t.like(env, { kind: 'ENV', pairs: [{ key: 'A', value: '1' }, { key: 'B', value: '"two words"' }] });
  t.like(legacy, { kind: 'ENV', pairs: [{ key: 'LEGACY', value: 'some value' }] });
  t.like(label, { kind: 'LABEL', pairs: [{ key: 'org.example', value: '"x"' }] });
  t.like(args, { kind: 'ARG', args: [{ name: 'ONE' }, { name: 'TWO', defaultValue: '2' }] });
  t.like(expose, { kind: 'EXPOSE', words: ['80', '53/udp'] });
  t.like(volume, { kind: 'VOLUME', words: ['/data', '/logs'] });
  t.like(health, { kind: 'HEALTHCHECK', none: false, interval: 5e9, retries: 3, test: { form: 'exec', args: ['CMD-SHELL', 'wget -q localhost'] } });
  t.like(shell, { kind: 'SHELL', shell: ['/bin/sh', '-eu', '-c'] });
  t.like(onbuild, { kind: 'ONBUILD', trigger: 'RUN make' });
  t.like(stop, { kind: 'STOPSIGNAL', value: 'SIGINT' });
  t.like(cmd, { kind: 'CMD', command: { form: 'exec', args: ['app'] } });
});

const badCases: [string, string, RegExp][] = [
  ['unknown instruction', 'FROM x\nRUNN make\n', /unknown instruction: RUNN.*/],
  ['invalid ARG name', 'FROM x\nARG 1abc=2\n', /invalid ARG name "1abc"/],
  ['unknown flag', 'FROM x\nCOPY --owner=1 a b\n', /unknown flag: --owner for COPY/],
  ['COPY without a destination', 'FROM x\nCOPY a\n', /requires at least two arguments/],
  ['FROM with two words', 'FROM x y\n', /one or three arguments/],
  ['bad stage name', 'FROM x AS 1st\n', /invalid stage name/],
  ['SHELL in shell form', 'FROM x\nSHELL /bin/bash -c\n', /JSON form/],
  ['HEALTHCHECK of unknown type', 'FROM x\nHEALTHCHECK RUN x\n', /unknown type "RUN"/],
  ['HEALTHCHECK with a bad duration', 'FROM x\nHEALTHCHECK --interval=5 CMD x\n', /5/],
  ['ONBUILD FROM', 'FROM x\nONBUILD FROM y\n', /not allowed as an ONBUILD trigger/],
  ['ENV pair without =', 'FROM x\nENV A=1 B\n', /can't find = in "B"/],
  ['bad chmod', 'FROM x\nCOPY --chmod=u+x a b\n', /invalid --chmod/],
  ['RUN --network=bridge', 'FROM x\nRUN --network=bridge true\n', /expected default, none or host/],
];

for (const [what, text, message] of badCases) {
  test(`bad input names Dockerfile:line: ${what}`, (t) => {
    const error = t.throws(() => readDockerfile(text, 'docker/Dockerfile.dev'), { instanceOf: UserError });
    t.regex(error?.message ?? '', message);
    const expectedLine = text.split('\n').length - 1;
    t.deepEqual(error?.position, { file: 'docker/Dockerfile.dev', line: expectedLine, col: 1 });
  });
}

test('only ARG may come before the first FROM, and a Dockerfile needs one', (t) => {
  t.throws(() => readDockerfile('ARG A\nRUN x\nFROM y\n'), { message: /RUN before the first FROM/ });
  t.throws(() => readDockerfile('# just a comment\nARG A\n'), { message: /no FROM instruction/ });
});
