import test from 'ava';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

test('up builds a missing image of a service with build:, --build builds again, --no-build never builds', async (t) => {
  const compose = (mark: string): string => `
name: eng-build
services:
  app:
    build:
      context: .
      dockerfile_inline: |
        FROM busybox
        RUN echo ${mark} > /built
    command: ["sleep", "3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.30.0/24 }]
`;
  const { paths, file, run } = await cliFixture(t, compose('first'));
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const built = async (): Promise<string> => {
    const [app] = (await runtime.list()).filter((status) => status.state === 'running');
    return (await execInContainer(runtime, app?.record.id ?? '', { args: ['cat', '/built'] })).stdout.trim();
  };

  const first = await run('up', '-d');
  t.is(first.code, 0, first.stderr);
  t.is(await built(), 'first');
  // The image row of the progress says it was built, not pulled.
  t.regex(first.stderr, /Image eng-build-app {2}Built/);
  t.truthy((await run('image', 'ls')).stdout.match(/eng-build-app/));

  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, compose('second'));
  // The image exists: a plain up does not build (the service config is unchanged too).
  t.is((await run('up', '-d')).code, 0);
  t.is(await built(), 'first');
  const rebuilt = await run('up', '-d', '--build');
  t.is(rebuilt.code, 0, rebuilt.stderr);
  t.is(await built(), 'second', 'the new image is built and the container recreated from it');

  const down = await run('down', '-t', '0', '--rmi', 'local');
  t.is(down.code, 0, down.stderr);
  t.regex(down.stderr, /Image eng-build-app {2}Removed/);
  const noBuild = await run('up', '-d', '--no-build');
  t.is(noBuild.code, 1, noBuild.stderr);
  t.regex(noBuild.stderr, /eng-build-app.*pull_policy is "never"/);
});
