import test from 'ava';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { buildFixture } from './build-fixture.js';

/** The figure: a 10-step busybox build, cold and fully cached (target: cached under 150 ms). */
const TEN_STEPS = `FROM busybox
ARG VERSION=1.0
ENV APP_HOME=/srv/app
WORKDIR /srv/app
COPY config.txt ./
RUN echo "version $VERSION" > version.txt
RUN mkdir -p data && cp config.txt data/
COPY src/ ./src/
RUN ls -R src > listing.txt
CMD ["cat", "/srv/app/version.txt"]
`;

test('a 10-step busybox build: cold, then fully cached (figures in the log)', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ Dockerfile: TEN_STEPS, 'config.txt': 'key=value\n', 'src/a.txt': 'a', 'src/b/c.txt': 'c' });
  const cold = await buildImage(fixture.drivers, { contextDir, tags: ['bd-figures:1'] });
  const cached: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const started = process.hrtime.bigint();
    const again = await buildImage(fixture.drivers, { contextDir, tags: ['bd-figures:1'] });
    cached.push(Number(process.hrtime.bigint() - started) / 1e6);
    t.is(again.cachedSteps, 9);
    t.is(again.image.id, cold.image.id);
  }
  cached.sort((a, b) => a - b);
  t.log(`cold ${cold.durationMs} ms; fully cached: median ${cached[2]?.toFixed(0)} ms, best ${cached[0]?.toFixed(0)} ms`);
  // Generous bound for a shared 2-core machine; the target is 150 ms.
  t.true((cached[2] ?? Infinity) < 1000);
});
