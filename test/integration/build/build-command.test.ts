import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { main } from '../../../src/cli/main.js';
import { openImageStore } from '../../../src/image/image-store.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { buildBusyboxDockerArchive } from '../../helpers/test-image.js';

const COMPOSE = `name: bd-cli
services:
  web:
    build: ./web
  api:
    image: bd-registry.local/api:dev
    build:
      context: .
      dockerfile_inline: |
        FROM busybox AS base
        ARG GREETING=hi
        RUN echo "$$GREETING" > /greeting.txt
        FROM base AS release
        LABEL stage=release
        FROM base AS debug
        LABEL stage=debug
      args:
        GREETING: hello
      target: release
      labels:
        team: backend
      tags: [bd-api:extra]
  db:
    image: busybox
`;

async function project(t: ExecutionContext): Promise<{ run: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>; root: string; dir: string }> {
  const paths = await tempStatePaths(t, 'bd-cli');
  const dir = await mkdtemp(path.join(tmpdir(), 'bd-cli-proj-'));
  t.teardown(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(path.join(dir, 'compose.yaml'), COMPOSE);
  await mkdir(path.join(dir, 'web'));
  await writeFile(path.join(dir, 'web', 'Dockerfile'), 'FROM busybox\nARG VERSION=1\nCOPY index.html /www/\nRUN echo "v$VERSION" > /www/version.txt\n');
  await writeFile(path.join(dir, 'web', 'index.html'), '<h1>web</h1>\n');
  const env = { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '', NO_COLOR: '1' };
  const run = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, { cwd: dir, env, stdout: { write: (text) => void (stdout += text) }, stderr: { write: (text) => void (stderr += text) } });
    return { code, stdout, stderr };
  };
  buildBusyboxDockerArchive(path.join(dir, 'busybox.tar'));
  const loaded = await run('image', 'load', '-q', '-i', path.join(dir, 'busybox.tar'));
  if (loaded.code !== 0) throw new Error(loaded.stderr);
  return { run, root: paths.root, dir };
}

test('berth build builds every service with a build section, names images as compose does, and caches', async (t) => {
  const { run, root } = await project(t);
  const first = await run('build');
  t.is(first.code, 0, first.stderr);
  t.regex(first.stderr, /#\d+ \[web stage-0 3\/4\] COPY index.html \/www\/\n#\d+ DONE/);
  t.regex(first.stderr, /Built web: bd-cli-web [0-9a-f]{12} \(4 steps, 0 cached/);
  t.regex(first.stderr, /Built api: bd-registry.local\/api:dev/);
  t.notRegex(first.stderr, /\[api debug/, 'the debug stage is not needed by the target');
  const store = await openImageStore({ root, run: '' });
  const api = await store.get('bd-registry.local/api:dev');
  t.deepEqual(api.config.config?.Labels, { stage: 'release', team: 'backend', 'com.docker.compose.project': 'bd-cli', 'com.docker.compose.service': 'api' });
  t.is((await store.get('bd-api:extra')).id, api.id);
  const greeting = await withSnapshot(store, api.chainIds, ({ merged }) => readFile(path.join(merged, 'greeting.txt'), 'utf8'));
  t.is(greeting, 'hello\n', 'build.args reached the ARG');
  t.truthy(await store.find('bd-cli-web'));
  const again = await run('build', 'web');
  t.is(again.code, 0);
  t.regex(again.stderr, /Built web: bd-cli-web [0-9a-f]{12} \(4 steps, 3 cached/);
  t.notRegex(again.stderr, /Built api/);
  const fresh = await run('build', '--no-cache', '--build-arg', 'VERSION=2', 'web');
  t.regex(fresh.stderr, /\(4 steps, 0 cached/);
  const tty = await run('--progress', 'tty', '--ansi', 'always', 'build', 'web');
  t.is(tty.code, 0, tty.stderr);
  // eslint-disable-next-line no-control-regex
  const frame = tty.stderr.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  t.regex(frame, /\[web stage-0 3\/4\] COPY index.html \/www\/ +CACHED +\d+\.\ds/, 'the last frame shows each step with its state');
  t.regex(frame, /Built web: bd-cli-web/);
  const quiet = await run('build', '-q', 'web', 'db');
  t.is(quiet.code, 0);
  t.is(quiet.stderr, 'warning: service db has no build section: nothing to build\n');
});

test('a failing build exits 1 and names the Dockerfile line', async (t) => {
  const { run, dir } = await project(t);
  await writeFile(path.join(dir, 'web', 'Dockerfile'), 'FROM busybox\n\nRUN echo about to fail && exit 7\n');
  const result = await run('build', 'web');
  t.is(result.code, 1);
  t.regex(result.stderr, /services\.web\.build: Dockerfile:3:1: RUN echo about to fail && exit 7: the command returned a non-zero code: 7; its last output:\n {4}about to fail/);
});

test('build.secrets: a top-level secret file reaches RUN --mount=type=secret under its name or its target', async (t) => {
  const { run, root, dir } = await project(t);
  await writeFile(path.join(dir, 'token.txt'), 'abc');
  await writeFile(
    path.join(dir, 'compose.yaml'),
    `name: bd-secret
services:
  app:
    build:
      context: .
      dockerfile_inline: |
        FROM busybox
        RUN --mount=type=secret,id=token,required=true --mount=type=secret,id=renamed,required=true cat /run/secrets/token /run/secrets/renamed > /both.txt
      secrets:
        - token
        - source: token
          target: renamed
secrets:
  token:
    file: ./token.txt
`,
  );
  const built = await run('build', 'app');
  t.is(built.code, 0, built.stderr);
  const store = await openImageStore({ root, run: '' });
  const image = await store.get('bd-secret-app');
  t.is(await withSnapshot(store, image.chainIds, ({ merged }) => readFile(path.join(merged, 'both.txt'), 'utf8')), 'abcabc');
  t.notRegex(built.stderr, /secrets is not applied/);

  await writeFile(path.join(dir, 'compose.yaml'), `name: bd-secret\nservices:\n  app:\n    build:\n      context: .\n      dockerfile_inline: "FROM busybox"\n      secrets: [nope]\n`);
  const undefinedSecret = await run('build', 'app');
  t.not(undefinedSecret.code, 0);
  t.regex(undefinedSecret.stderr, /secret "?nope"?/);
});
