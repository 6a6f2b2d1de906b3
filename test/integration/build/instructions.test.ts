import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { BuildEvent } from '../../../src/build/build-session.js';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { buildFixture } from './build-fixture.js';

test('every config instruction lands in the image config; ARG before FROM; ${VAR:-d} and ${VAR:+a}', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    Dockerfile: `# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM \${BASE} AS runtime
MAINTAINER berth tests
ARG PORT
ARG MODE=prod
LABEL org.example.mode=$MODE org.example.alt="\${MODE:+has-mode}" \\
      org.example.default=\${UNSET:-fallback}
ENV APP_HOME=/srv/app PORT=\${PORT:-8080}
EXPOSE $PORT 53/udp
VOLUME ["/data"]
USER app:app
WORKDIR $APP_HOME
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q -O- localhost:$PORT || exit 1
STOPSIGNAL SIGQUIT
SHELL ["/bin/sh", "-e", "-c"]
ENTRYPOINT exec /bin/app
CMD ["--serve"]
ONBUILD RUN echo triggered > /tmp/onbuild.txt
`,
  });
  const { image } = await buildImage(fixture.drivers, { contextDir, buildArgs: { PORT: '9000' }, labels: { 'com.example.extra': 'x' } });
  const config = image.config.config ?? {};
  t.is(image.config.author, 'berth tests');
  t.deepEqual(config.Labels, { 'org.example.mode': 'prod', 'org.example.alt': 'has-mode', 'org.example.default': 'fallback', 'com.example.extra': 'x' });
  t.true(config.Env?.includes('APP_HOME=/srv/app'));
  t.true(config.Env?.includes('PORT=9000'));
  t.false(config.Env?.some((item) => item.startsWith('MODE=')), 'ARG values are not kept in the image');
  t.deepEqual(Object.keys(config.ExposedPorts ?? {}), ['9000/tcp', '53/udp']);
  t.deepEqual(Object.keys(config.Volumes ?? {}), ['/data']);
  t.is(config.User, 'app:app');
  t.is(config.WorkingDir, '/srv/app');
  t.deepEqual(config.Healthcheck, { Test: ['CMD-SHELL', 'wget -q -O- localhost:$PORT || exit 1'], Interval: 5e9, Timeout: 2e9, Retries: 4 });
  t.is(config.StopSignal, 'SIGQUIT');
  t.deepEqual(config.Shell, ['/bin/sh', '-e', '-c']);
  t.deepEqual(config.Entrypoint, ['/bin/sh', '-e', '-c', 'exec /bin/app'], 'shell form uses the SHELL in effect');
  t.deepEqual(config.Cmd, ['--serve']);
  t.deepEqual(config.OnBuild, ['RUN echo triggered > /tmp/onbuild.txt']);
  // The WORKDIR directory exists in the image.
  // The directory WORKDIR made belongs to the USER in effect, as with BuildKit; /srv was there already.
  const owners = await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => ['srv', 'srv/app'].map((dir) => `${statSync(path.join(merged, dir)).uid}:${statSync(path.join(merged, dir)).gid}`));
  t.deepEqual(owners, ['0:0', '1000:1000']);
});

test('ONBUILD triggers run when the image is a base and are not inherited; ENTRYPOINT drops an inherited CMD', async (t) => {
  const fixture = await buildFixture(t);
  const parent = await fixture.context({ Dockerfile: 'FROM busybox\nCMD ["inherited"]\nONBUILD RUN echo triggered > /onbuild.txt\n' });
  await buildImage(fixture.drivers, { contextDir: parent, tags: ['bd-parent:1'] });
  const child = await fixture.context({ Dockerfile: 'FROM bd-parent:1\nENTRYPOINT ["/bin/echo"]\n' });
  const { image } = await buildImage(fixture.drivers, { contextDir: child });
  t.is(image.config.config?.OnBuild, undefined);
  t.is(image.config.config?.Cmd, null);
  const text = await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => readFileSync(path.join(merged, 'onbuild.txt'), 'utf8'));
  t.is(text, 'triggered\n');
});

test('RUN: USER and WORKDIR apply, ARGs are in the environment, network is only loopback, heredocs run as scripts', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    Dockerfile: `FROM busybox
ARG TOKEN=abc
RUN mkdir /work && chown app /work
USER app
WORKDIR /work
RUN echo "uid=$(id -u) cwd=$(pwd) token=$TOKEN" > whoami.txt
RUN ls /sys/class/net > interfaces.txt
RUN <<EOF
set -e
echo "script as $(id -un)" > script.txt
EOF
RUN <<'PY'
#!/bin/sh
echo "shebang script: $0" > shebang.txt
PY
RUN cat > here.txt <<END
inline for cat
END
`,
  });
  const events: BuildEvent[] = [];
  const { image } = await buildImage(fixture.drivers, { contextDir, onEvent: (event) => events.push(event) });
  const files = await withSnapshot(fixture.store, image.chainIds, async ({ merged }) =>
    ['whoami.txt', 'interfaces.txt', 'script.txt', 'shebang.txt', 'here.txt'].map((name) => readFileSync(path.join(merged, 'work', name), 'utf8')),
  );
  t.deepEqual(files, ['uid=1000 cwd=/work token=abc\n', 'lo\n', 'script as app\n', 'shebang script: /dev/.berth-run-script\n', 'inline for cat\n']);
});

test('RUN output is streamed line by line with its stage and step', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ Dockerfile: 'FROM busybox AS talk\nRUN echo one && echo two >&2 && echo three\n' });
  const events: BuildEvent[] = [];
  await buildImage(fixture.drivers, { contextDir, onEvent: (event) => events.push(event) });
  const output = events.flatMap((event) => (event.kind === 'output' ? [`${event.stage}#${event.step} ${event.stream} ${event.line}`] : []));
  t.deepEqual(output.filter((line) => !line.includes('stderr')), ['talk#2 stdout one', 'talk#2 stdout three']);
  t.true(output.includes('talk#2 stderr two'));
});
