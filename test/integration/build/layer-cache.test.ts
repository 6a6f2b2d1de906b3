import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import type { BuildEvent } from '../../../src/build/build-session.js';
import { buildImage, type BuildOptions } from '../../../src/build/dockerfile-build.js';
import { buildFixture, type BuildFixture } from './build-fixture.js';

const DOCKERFILE = `FROM busybox
ARG FLAVOUR=plain
RUN echo base > /base.txt
WORKDIR /app
COPY config.txt ./
RUN cat config.txt > derived.txt && echo $FLAVOUR >> derived.txt
COPY src/ ./src/
RUN ls src > listing.txt
CMD ["cat", "/app/derived.txt"]
`;

/** Build and return each step's status in order (`3:cached`, `4:done`, ...), FROM lines left out. */
async function statuses(fixture: BuildFixture, options: BuildOptions): Promise<{ steps: string[]; id: string }> {
  const events: BuildEvent[] = [];
  const result = await buildImage(fixture.drivers, { ...options, onEvent: (event) => events.push(event) });
  const steps = events.flatMap((event) => (event.kind === 'step' && event.step > 1 && event.status !== 'running' ? [`${event.step}:${event.status}`] : []));
  return { steps, id: result.image.id };
}

async function project(fixture: BuildFixture): Promise<string> {
  return fixture.context({ Dockerfile: DOCKERFILE, 'config.txt': 'v1\n', 'src/a.ts': 'a', 'src/b.ts': 'b' });
}

test('a second build is all cache hits and gives the same image; a cached rebuild is fast', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await project(fixture);
  const first = await statuses(fixture, { contextDir, tags: ['bd-cache:1'] });
  t.deepEqual(first.steps, ['2:done', '3:done', '4:done', '5:done', '6:done', '7:done', '8:done', '9:done']);
  const started = process.hrtime.bigint();
  const second = await statuses(fixture, { contextDir, tags: ['bd-cache:1'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.log(`cached rebuild of 9 steps: ${ms.toFixed(0)} ms`);
  t.deepEqual(second.steps, ['2:cached', '3:cached', '4:cached', '5:cached', '6:cached', '7:cached', '8:cached', '9:cached']);
  t.is(second.id, first.id, 'same config, same layers: same image ID');
  t.true(ms < 1500, `cached rebuild took ${ms} ms`);
});

test('changing one copied file rebuilds from that COPY on; a touched but unchanged file does not', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await project(fixture);
  const first = await statuses(fixture, { contextDir });
  await writeFile(path.join(contextDir, 'src/b.ts'), 'b');
  t.true((await statuses(fixture, { contextDir })).steps.every((step) => step.endsWith(':cached')), 'same content, new mtime');
  await writeFile(path.join(contextDir, 'src/b.ts'), 'b changed');
  const changed = await statuses(fixture, { contextDir });
  t.deepEqual(changed.steps, ['2:cached', '3:cached', '4:cached', '5:cached', '6:cached', '7:done', '8:done', '9:done']);
  t.not(changed.id, first.id);
  await writeFile(path.join(contextDir, 'config.txt'), 'v2\n');
  t.deepEqual((await statuses(fixture, { contextDir })).steps, ['2:cached', '3:cached', '4:cached', '5:done', '6:done', '7:done', '8:done', '9:done']);
});

test('--no-cache runs every step; a new build-arg value invalidates the steps after its ARG', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await project(fixture);
  await statuses(fixture, { contextDir });
  t.true((await statuses(fixture, { contextDir, noCache: true })).steps.every((step) => step.endsWith(':done')));
  const flavoured = await statuses(fixture, { contextDir, buildArgs: { FLAVOUR: 'spicy' } });
  t.deepEqual(flavoured.steps, ['2:done', '3:done', '4:done', '5:done', '6:done', '7:done', '8:done', '9:done']);
  t.true((await statuses(fixture, { contextDir, buildArgs: { FLAVOUR: 'spicy' } })).steps.every((step) => step.endsWith(':cached')));
});

test('a step whose layer was collected from the store runs again', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await project(fixture);
  await statuses(fixture, { contextDir, tags: ['bd-gc:1'] });
  await fixture.store.remove('bd-gc:1');
  const again = await statuses(fixture, { contextDir, tags: ['bd-gc:1'] });
  t.true(again.steps.includes('3:done'), 'the RUN layer was gone with the image, so RUN ran again');
  t.truthy(await fixture.store.find('bd-gc:1'));
});
