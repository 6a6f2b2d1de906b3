import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { BuildEvent } from '../../../src/build/build-session.js';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { TarReader } from '../../../src/image/tar-reader.js';
import { buildFixture } from './build-fixture.js';

test('RUN --mount=type=cache keeps its content across builds, even --no-cache ones, and stays out of the layer', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    Dockerfile: 'FROM busybox\nRUN --mount=type=cache,target=/var/cache/app,uid=1000 echo run >> /var/cache/app/runs && wc -l < /var/cache/app/runs > /runs.txt && stat -c %u /var/cache/app > /owner.txt\n',
  });
  await buildImage(fixture.drivers, { contextDir });
  const { image } = await buildImage(fixture.drivers, { contextDir, noCache: true });
  const files = await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => ['runs.txt', 'owner.txt'].map((name) => readFileSync(path.join(merged, name), 'utf8').trim()));
  t.deepEqual(files, ['2', '1000']);
  const names: string[] = [];
  const reader = new TarReader(fixture.store.blobs.stream(image.manifest.layers.at(-1)?.digest ?? ''));
  for (let entry = await reader.next(); entry; entry = await reader.next()) names.push(entry.name);
  t.deepEqual(names, ['owner.txt', 'runs.txt'], 'neither the cache nor its mount point is in the layer');
});

test('RUN --mount=type=bind reads the context (with .dockerignore) or a stage, read-only; tmpfs leaves nothing', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    'src/a.txt': 'a',
    'src/secret.key': 'k',
    '.dockerignore': '*.key\nsrc/*.key\n',
    Dockerfile: `FROM busybox AS gen
RUN echo generated > /gen.txt
FROM busybox
RUN --mount=type=bind,source=src,target=/mnt/src ls /mnt/src > /listing.txt && (touch /mnt/src/x 2>/dev/null && echo writable || echo read-only) > /mode.txt
RUN --mount=type=bind,from=gen,source=/gen.txt,target=/mnt/gen.txt cat /mnt/gen.txt > /from-stage.txt
RUN --mount=type=tmpfs,target=/scratch echo temp > /scratch/t && cat /scratch/t > /tmpfs.txt
`,
  });
  const events: BuildEvent[] = [];
  const { image } = await buildImage(fixture.drivers, { contextDir, onEvent: (event) => events.push(event) });
  const files = await withSnapshot(fixture.store, image.chainIds, async ({ merged }) =>
    ['listing.txt', 'mode.txt', 'from-stage.txt', 'tmpfs.txt'].map((name) => readFileSync(path.join(merged, name), 'utf8')),
  );
  t.deepEqual(files, ['a.txt\n', 'read-only\n', 'generated\n', 'temp\n']);
  const again = await buildImage(fixture.drivers, { contextDir });
  t.is(again.cachedSteps, again.steps - 2, 'all cached but the two FROM lines');
});

test('RUN --mount of an unsupported type is an error at its line', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ Dockerfile: 'FROM busybox\nRUN --mount=type=ssh,target=/run/ssh true\n' });
  const error = await t.throwsAsync(buildImage(fixture.drivers, { contextDir }));
  t.regex(error?.message ?? '', /type=ssh is not supported/);
  t.like(error, { position: { line: 2 } });
});

test('RUN --mount=type=secret: the secret is readable during the step only, with its mode and owner, and in no layer or cache key', async (t) => {
  const fixture = await buildFixture(t);
  const dockerfile = `FROM busybox
RUN --mount=type=secret,id=token test "$(cat /run/secrets/token)" = s3cret && stat -c '%a %u' /run/secrets/token > /seen.txt
RUN --mount=type=secret,id=token,target=/etc/app.key,mode=0440,uid=1000 stat -c '%a %u' /etc/app.key > /custom.txt
RUN --mount=type=secret,id=absent ls /run/secrets > /absent.txt 2>&1 || echo none > /absent.txt
`;
  const contextDir = await fixture.context({ Dockerfile: dockerfile });
  const secrets = new Map([['token', Buffer.from('s3cret')]]);
  const { image } = await buildImage(fixture.drivers, { contextDir, secrets });
  const files = await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => ['seen.txt', 'custom.txt', 'absent.txt'].map((name) => readFileSync(path.join(merged, name), 'utf8').trim()));
  t.deepEqual(files, ['400 0', '440 1000', 'none']);
  // The three RUN layers (the base image's come before them).
  for (const layer of image.manifest.layers.slice(-3)) {
    const reader = new TarReader(fixture.store.blobs.stream(layer.digest));
    for (let entry = await reader.next(); entry; entry = await reader.next()) {
      t.false(/run\/secrets\/|app\.key/.test(entry.name), `${entry.name} is in a layer`);
    }
  }
  // Another value of the secret does not rebuild: its bytes are not part of the key (as BuildKit).
  const again = await buildImage(fixture.drivers, { contextDir, secrets: new Map([['token', Buffer.from('other')]]) });
  t.is(again.cachedSteps, again.steps - 1);

  const required = await fixture.context({ Dockerfile: 'FROM busybox\nRUN --mount=type=secret,id=token,required=true true\n' });
  const error = await t.throwsAsync(buildImage(fixture.drivers, { contextDir: required }));
  t.regex(error?.message ?? '', /RUN --mount=type=secret,id=token is required, but the build has no secret token/);
});
