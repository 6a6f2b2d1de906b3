import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { BuildEvent } from '../../../src/build/build-session.js';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { buildFixture } from './build-fixture.js';

test('a stage compiles something with busybox tools and a small final stage FROM scratch copies only the result', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    'src/words.txt': 'delta\nalpha\ncharlie\nbravo\n',
    Dockerfile: `FROM busybox AS build
WORKDIR /src
COPY src/ .
RUN mkdir /out && sort words.txt > /out/sorted.txt && gzip -c /out/sorted.txt > /out/sorted.txt.gz \\
 && printf '#!/bin/busybox sh\\n/bin/busybox zcat /sorted.txt.gz\\n' > /out/show && chmod 755 /out/show

FROM scratch AS final
COPY --from=build /bin/busybox /bin/busybox
COPY --from=build /out/sorted.txt.gz /out/show /
ENTRYPOINT ["/show"]

FROM final AS check
RUN ["/show"]
`,
  });
  const events: BuildEvent[] = [];
  const checked = await buildImage(fixture.drivers, { contextDir, onEvent: (event) => events.push(event) });
  t.true(events.some((event) => event.kind === 'output' && event.stage === 'check' && event.line === 'alpha'), 'the final image runs: /show printed the sorted words');
  t.is(checked.image.chainIds.length, 2, 'two COPY layers on scratch; the check RUN wrote nothing');
  const { image } = await buildImage(fixture.drivers, { contextDir, target: 'final', tags: ['bd-multi:final'] });
  t.deepEqual(image.chainIds, checked.image.chainIds);
  await withSnapshot(fixture.store, image.chainIds, async (snapshot) => {
    t.deepEqual(readFileSync(path.join(snapshot.merged, 'show'), 'utf8').split('\n')[0], '#!/bin/busybox sh');
    t.is(statSync(path.join(snapshot.merged, 'show')).mode & 0o777, 0o755);
    t.throws(() => statSync(path.join(snapshot.merged, 'src')), undefined, 'nothing of the build stage but what was copied');
  });
  t.deepEqual(image.config.config?.Entrypoint, ['/show']);
});

test('--target builds only the stages the target needs; independent stages run at the same time', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    Dockerfile: `FROM busybox AS left
RUN sleep 0.4 && echo left > /left.txt

FROM busybox AS right
RUN sleep 0.4 && echo right > /right.txt

FROM busybox AS broken
RUN exit 1

FROM busybox AS both
COPY --from=left /left.txt /
COPY --from=right /right.txt /
RUN cat /left.txt /right.txt > /both.txt

FROM both AS unused-final
`,
  });
  const events: BuildEvent[] = [];
  const result = await buildImage(fixture.drivers, { contextDir, target: 'both', onEvent: (event) => events.push(event) });
  const stages = new Set(events.flatMap((event) => (event.kind === 'step' ? [event.stage] : [])));
  t.deepEqual([...stages].sort(), ['both', 'left', 'right']);
  const runs = events.filter((event) => event.kind === 'step' && event.instruction.startsWith('RUN sleep')).map((event) => event.kind === 'step' && `${event.stage}:${event.status}`);
  t.deepEqual(runs.slice(0, 2).sort(), ['left:running', 'right:running'], 'both stages were running before either finished');
  const text = await withSnapshot(fixture.store, result.image.chainIds, async (snapshot) => readFileSync(path.join(snapshot.merged, 'both.txt'), 'utf8'));
  t.is(text, 'left\nright\n');
});

test('a stage FROM an earlier stage starts from its result but not its ARGs; COPY --from=<image> reads an image', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    Dockerfile: `FROM busybox AS base
ARG LEVEL=one
ENV KEPT=yes
RUN echo $LEVEL > /level.txt

FROM base
RUN echo "level=[$LEVEL] kept=$KEPT" > /child.txt
COPY --from=busybox /etc/app.conf /copied.conf
`,
  });
  const result = await buildImage(fixture.drivers, { contextDir });
  const files = await withSnapshot(fixture.store, result.image.chainIds, async (snapshot) =>
    ['level.txt', 'child.txt', 'copied.conf'].map((name) => readFileSync(path.join(snapshot.merged, name), 'utf8')),
  );
  t.deepEqual(files, ['one\n', 'level=[] kept=yes\n', 'listen=8080\n']);
});

test('named contexts: a directory COPY --from reads, docker-image:// standing in for FROM; shm_size reaches RUN', async (t) => {
  const fixture = await buildFixture(t);
  const shared = await fixture.context({ 'lib/util.txt': 'shared util\n' });
  const contextDir = await fixture.context({
    Dockerfile: `FROM base
COPY --from=shared lib/util.txt /util.txt
RUN df -k /dev/shm | tail -1 | awk '{print $2}' > /shm-kb.txt
`,
  });
  const { image } = await buildImage(fixture.drivers, { contextDir, namedContexts: { shared, base: 'docker-image://busybox' }, shmSize: 16 * 1024 * 1024 });
  t.deepEqual(image.chainIds.slice(0, 3), [...fixture.busybox.chainIds]);
  const files = await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => ['util.txt', 'shm-kb.txt'].map((name) => readFileSync(path.join(merged, name), 'utf8')));
  t.deepEqual(files, ['shared util\n', '16384\n']);
  await t.throwsAsync(buildImage(fixture.drivers, { contextDir, namedContexts: { base: 'https://example.com/ctx.git' } }), { message: /is not supported/ });
});
