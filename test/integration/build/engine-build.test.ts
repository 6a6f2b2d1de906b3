import test from 'ava';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { engineFixture } from '../../helpers/engine-fixture.js';

test('up builds the image of a build-only service, names it <project>-<service>, and runs it', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const project = await load(
    `
name: bd-engine
services:
  app:
    build:
      context: ./app
      args:
        MESSAGE: built-by-berth
    command: ["sleep", "3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.100.0/24 }]
`,
    {
      'app/Dockerfile': 'FROM busybox\nARG MESSAGE\nCOPY note.txt /app/\nRUN echo "$MESSAGE" >> /app/note.txt\n',
      'app/note.txt': 'from the context\n',
    },
  );
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 30_000 });
  t.deepEqual(outcome.failures, []);
  t.truthy(await engine.drivers.images.find('bd-engine-app'));
  const container = engine.session('bd-engine')?.context.index.get('bd-engine-app-1');
  const read = await execInContainer(engine.drivers.runtime, container?.id ?? '', { args: ['cat', '/app/note.txt'] });
  t.is(read.stdout, 'from the context\nbuilt-by-berth\n');
  t.true((await engine.down(project, { stopTimeoutMs: 1000 })).ok);
});

test('a build that fails makes the service fail with the Dockerfile line in its reason', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const project = await load(
    `
name: bd-engine-fail
services:
  app:
    build: ./app
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.101.0/24 }]
`,
    { 'app/Dockerfile': 'FROM busybox\nRUN exit 4\n' },
  );
  const outcome = await engine.up(project, { wait: true, waitTimeoutMs: 30_000 });
  t.false(outcome.ok);
  t.deepEqual(outcome.failures, [{ service: 'app', reason: 'Dockerfile:2:1: RUN exit 4: the command returned a non-zero code: 4' }]);
  t.is(await engine.drivers.images.find('bd-engine-fail-app'), undefined);
});
