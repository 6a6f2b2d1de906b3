import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { type BuildEvent } from '../../../src/build/build-session.js';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { TarReader } from '../../../src/image/tar-reader.js';
import { buildFixture } from './build-fixture.js';

test('a Dockerfile builds: ENV, WORKDIR, COPY and RUN in a container; the image is tagged with its config', async (t) => {
  const fixture = await buildFixture(t);
  const context = await fixture.context({
    'hello.txt': 'from the context\n',
    Dockerfile: [
      'FROM busybox',
      'ENV GREETING=hello',
      'WORKDIR /app',
      'COPY hello.txt .',
      'RUN echo "$GREETING world from $(pwd) as $(id -u)" > out.txt && cat hello.txt >> out.txt',
      'CMD ["cat", "/app/out.txt"]',
      '',
    ].join('\n'),
  });
  const events: BuildEvent[] = [];
  const result = await buildImage(fixture.drivers, { contextDir: context, tags: ['bd-app:1'], onEvent: (event) => events.push(event) });
  t.log(`build took ${result.durationMs} ms`);
  const image = await fixture.store.get('bd-app:1');
  t.is(image.id, result.image.id);
  t.deepEqual(image.config.config?.Cmd, ['cat', '/app/out.txt']);
  t.is(image.config.config?.WorkingDir, '/app');
  t.true(image.config.config?.Env?.includes('GREETING=hello'));
  t.is(image.chainIds.length, fixture.busybox.chainIds.length + 3, 'WORKDIR, COPY and RUN each made a layer');
  t.deepEqual(image.chainIds.slice(0, 3), [...fixture.busybox.chainIds]);
  t.is(image.config.history?.length, (fixture.busybox.config.history?.length ?? 0) + 5);
  const output = await withSnapshot(fixture.store, image.chainIds, async (snapshot) => {
    t.false(readdirSync(snapshot.merged).includes('proc'), 'mount points the runtime made are not in the image');
    return readFileSync(path.join(snapshot.merged, 'app/out.txt'), 'utf8');
  });
  t.is(output, 'hello world from /app as 0\nfrom the context\n');
  // The RUN layer holds only what RUN wrote.
  const runLayer = image.manifest.layers.at(-1);
  const names: string[] = [];
  const reader = new TarReader(fixture.store.blobs.stream(runLayer?.digest ?? ''));
  for (let entry = await reader.next(); entry; entry = await reader.next()) names.push(entry.name);
  t.deepEqual(names, ['app/', 'app/out.txt']);
  t.deepEqual(
    events.filter((event) => event.kind === 'step' && event.status !== 'running').map((event) => event.kind === 'step' && `${event.step}/${event.steps} ${event.status} ${event.instruction}`),
    ['1/6 done FROM busybox', '2/6 done ENV GREETING=hello', '3/6 done WORKDIR /app', '4/6 done COPY hello.txt .', `5/6 done RUN echo "$GREETING world from $(pwd) as $(id -u)" > out.txt && cat hello.txt >> out.txt`, '6/6 done CMD ["cat", "/app/out.txt"]'],
  );
});
