import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import type { BuildEvent } from '../../../src/build/build-session.js';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { UserError } from '../../../src/errors.js';
import { buildFixture } from './build-fixture.js';

const cases: { what: string; dockerfile: string; line: number; message: RegExp }[] = [
  { what: 'an unknown instruction', dockerfile: 'FROM busybox\nRUN true\nCOPPY a b\n', line: 3, message: /unknown instruction: COPPY/ },
  { what: 'an invalid ARG name', dockerfile: 'FROM busybox\nARG my-arg=1\n', line: 2, message: /invalid ARG name "my-arg"/ },
  { what: 'an unterminated heredoc', dockerfile: 'FROM busybox\nRUN <<EOF\necho never ends\n', line: 2, message: /unterminated heredoc EOF/ },
  { what: 'a missing file', dockerfile: 'FROM busybox\nCOPY nothing-here.txt /\n', line: 2, message: /nothing-here.txt not found in the build context/ },
  { what: 'a FROM image that cannot be found (a registry on loopback that refuses)', dockerfile: 'FROM busybox\nFROM 127.0.0.1:1/bd-missing:1\n', line: 2, message: /image 127.0.0.1:1\/bd-missing:1 is not in the local store and pulling it failed/ },
  { what: 'a failing RUN', dockerfile: 'FROM busybox\nRUN echo compiling\\\n && echo "error: it broke" >&2 && exit 3\n', line: 2, message: /the command returned a non-zero code: 3; its last output:\n {4}compiling\n {4}error: it broke/ },
  { what: 'RUN --security', dockerfile: 'FROM busybox\nRUN --security=insecure true\n', line: 2, message: /RUN --security is not supported/ },
  { what: 'a --mount without a target', dockerfile: 'FROM busybox\nRUN --mount=type=cache true\n', line: 2, message: /has no target/ },
  { what: 'an unknown --target', dockerfile: 'FROM busybox AS a\n', line: 0, message: /target stage "nope" could not be found/ },
];

for (const { what, dockerfile, line, message } of cases) {
  test(`bad input is a clear error naming Dockerfile:line and tags nothing: ${what}`, async (t) => {
    const fixture = await buildFixture(t);
    const contextDir = await fixture.context({ Dockerfile: dockerfile });
    const error = await t.throwsAsync(buildImage(fixture.drivers, { contextDir, tags: ['bd-bad:1'], ...(line === 0 ? { target: 'nope' } : {}) }), { instanceOf: UserError });
    t.regex(error?.message ?? '', message);
    if (line > 0) t.like(error?.position, { file: 'Dockerfile', line });
    t.is(await fixture.store.find('bd-bad:1'), undefined);
  });
}

test('when one stage fails, the stages running beside it stop before their next step', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({});
  await writeFile(
    path.join(contextDir, 'Dockerfile'),
    'FROM busybox AS slow\nRUN sleep 0.5\nRUN echo after > /after.txt\n\nFROM busybox AS failing\nRUN exit 1\n\nFROM busybox\nCOPY --from=slow /after.txt /\nCOPY --from=failing /etc/passwd /\n',
  );
  const events: BuildEvent[] = [];
  const error = await t.throwsAsync(buildImage(fixture.drivers, { contextDir, onEvent: (event) => events.push(event) }));
  t.like(error, { position: { file: 'Dockerfile', line: 6 } });
  t.false(events.some((event) => event.kind === 'step' && event.instruction === 'RUN echo after > /after.txt'), 'the slow stage stopped after its running step');
  t.true(events.some((event) => event.kind === 'step' && event.instruction === 'RUN sleep 0.5' && event.status === 'done'), 'the step already running finished');
  t.deepEqual(await readdir(fixture.store.layout.tempDir), [], 'no snapshot is left in the store');
  t.deepEqual(await readdir(path.join(fixture.paths.root, 'build', 'containers')), [], 'no build container is left');
  t.false((await readFile('/proc/self/mountinfo', 'utf8')).includes(fixture.paths.root), 'nothing is mounted');
});

test('a Dockerfile that is not there, or an empty context path, is a user error', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ 'x.txt': 'x' });
  await t.throwsAsync(buildImage(fixture.drivers, { contextDir }), { instanceOf: UserError, message: /cannot read the Dockerfile/ });
  await t.throwsAsync(buildImage(fixture.drivers, { contextDir: path.join(contextDir, 'x.txt'), dockerfileInline: 'FROM busybox\n' }), { instanceOf: UserError, message: /is not a directory/ });
});

test('build args nobody declared are reported as warnings', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ Dockerfile: 'FROM busybox\nARG USED\n' });
  const result = await buildImage(fixture.drivers, { contextDir, buildArgs: { USED: '1', UNUSED: '2', HTTP_PROXY: 'x' } });
  t.deepEqual(result.warnings, ['build-arg UNUSED was not consumed by any ARG of the Dockerfile']);
});
