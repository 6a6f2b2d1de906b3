import test from 'ava';
import { ValueError } from '../../../src/errors.js';
import { applyImageChanges, splitWords } from '../../../src/image/import-changes.js';

test('exec form is a JSON list; anything else runs through /bin/sh -c, invalid JSON included', (t) => {
  t.deepEqual(applyImageChanges({}, ['CMD ["sh", "-c", "x"]']).Cmd, ['sh', '-c', 'x']);
  t.deepEqual(applyImageChanges({}, ['CMD sleep 1 && echo done']).Cmd, ['/bin/sh', '-c', 'sleep 1 && echo done']);
  t.deepEqual(applyImageChanges({}, ['ENTRYPOINT [not json']).Entrypoint, ['/bin/sh', '-c', '[not json']);
  t.deepEqual(applyImageChanges({}, ['CMD [1, 2]']).Cmd, ['/bin/sh', '-c', '[1, 2]']);
});

test('ENTRYPOINT drops the inherited Cmd unless CMD was given among the changes', (t) => {
  t.is(applyImageChanges({ Cmd: ['sh'] }, ['ENTRYPOINT ["/app"]']).Cmd, null);
  t.deepEqual(applyImageChanges({ Cmd: ['sh'] }, ['CMD ["run"]', 'ENTRYPOINT ["/app"]']).Cmd, ['run']);
});

test('ENV replaces a variable of the same name and keeps the order of the others', (t) => {
  const config = applyImageChanges({ Env: ['A=1', 'B=2'] }, ['ENV A=3', 'env C=with\\ space']);
  t.deepEqual(config.Env, ['B=2', 'A=3', 'C=with space']);
  t.throws(() => applyImageChanges({}, ['ENV =x']), { instanceOf: ValueError, message: /KEY=value pairs/ });
  t.throws(() => applyImageChanges({}, ['ENV LONELY']), { instanceOf: ValueError, message: /has no value/ });
});

test('WORKDIR is relative to the previous one; the instruction name is case-insensitive', (t) => {
  t.is(applyImageChanges({}, ['workdir a', 'WORKDIR ../b/./c']).WorkingDir, '/b/c');
});

test('words split on unquoted blanks; quotes group and disappear; backslash escapes outside single quotes', (t) => {
  t.deepEqual(splitWords(`a "b c" 'd\\e' f\\ g  h="i j"`), ['a', 'b c', 'd\\e', 'f g', 'h=i j']);
  t.throws(() => splitWords('"open'), { instanceOf: ValueError, message: /unterminated " quote/ });
});

test('EXPOSE checks protocols and ranges; STOPSIGNAL accepts names with or without SIG and numbers', (t) => {
  t.deepEqual(Object.keys(applyImageChanges({}, ['EXPOSE 7/SCTP 1-2/udp']).ExposedPorts ?? {}), ['7/sctp', '1/udp', '2/udp']);
  for (const bad of ['0', '5-4', '80/http', 'x']) t.throws(() => applyImageChanges({}, [`EXPOSE ${bad}`]), { message: /is not a port/ }, bad);
  for (const good of ['SIGTERM', 'term', '9', 'SIGRTMIN+3']) t.is(applyImageChanges({}, [`STOPSIGNAL ${good}`]).StopSignal, good);
  t.throws(() => applyImageChanges({}, ['STOPSIGNAL 99']), { message: /not a signal/ });
});

test('instructions that need a build (RUN, COPY, FROM) or are not import changes are refused by name', (t) => {
  for (const instruction of ['RUN true', 'COPY a b', 'FROM busybox', 'HEALTHCHECK NONE', 'ONBUILD RUN x']) {
    const error = t.throws(() => applyImageChanges({}, [instruction]), { instanceOf: ValueError });
    t.is(error?.message, `"${instruction.split(' ')[0]}" is not an instruction --change can apply`);
  }
  t.throws(() => applyImageChanges({}, ['   ']), { message: 'empty --change' });
});
