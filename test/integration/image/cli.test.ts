import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { openImageStore } from '../../../src/image/image-store.js';
import { buildBusyboxDockerArchive } from '../../helpers/test-image.js';
import { berthImageCli } from '../../helpers/image-cli.js';
import { tempStatePaths } from '../../helpers/temp-state.js';


test('load, images, inspect, save, rm, prune and check from the command line', async (t) => {
  const paths = await tempStatePaths(t);
  const work = path.dirname(paths.root);
  const env = { BERTH_ROOT: paths.root, BERTH_RUN: paths.run };
  const built = buildBusyboxDockerArchive(path.join(work, 'busybox.tar'), { tag: 'busybox:latest' });
  const load = await berthImageCli(env, work, ['image', 'load', '-i', 'busybox.tar']);
  t.deepEqual(load, { code: 0, stdout: 'Loaded image: busybox:latest\n', stderr: '' });

  const listed = await berthImageCli(env, work, ['images']);
  const [header, row, ...more] = listed.stdout.trimEnd().split('\n');
  t.regex(header ?? '', /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
  t.regex(row ?? '', new RegExp(`^busybox +latest +${built.configDigest.slice(7, 19)} +\\d+ \\w+ ago +1\\.98MB$`));
  t.deepEqual(more, []);
  t.is((await berthImageCli(env, work, ['image', 'ls', '-q'])).stdout, `${built.configDigest.slice(7, 19)}\n`);
  t.like(JSON.parse((await berthImageCli(env, work, ['image', 'ls', '--format', 'json'])).stdout), { Repository: 'busybox', Tag: 'latest', ID: built.configDigest });

  const inspected = JSON.parse((await berthImageCli(env, work, ['image', 'inspect', 'busybox'])).stdout) as { Id: string; RepoTags: string[]; RootFS: { Layers: string[] } }[];
  t.like(inspected[0], { Id: built.configDigest, RepoTags: ['busybox:latest'], RootFS: { Layers: built.diffIds } });

  t.is((await berthImageCli(env, work, ['image', 'save', '-o', 'saved.tar', 'busybox'])).code, 0);
  t.deepEqual(JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${path.join(work, 'saved.tar')}`], { encoding: 'utf8' })).Layers, built.diffIds);

  t.deepEqual(await berthImageCli(env, work, ['image', 'check']), { code: 0, stdout: 'ok: 5 blobs, 3 layers, 1 images, 1 references checked\n', stderr: '' });
  writeFileSync((await openImageStore(paths)).blobs.pathOf(built.diffIds[2] ?? ''), 'damaged');
  const check = await berthImageCli(env, work, ['image', 'check']);
  t.is(check.code, 1);
  t.is(check.stdout, `blob ${built.diffIds[2]}: content does not match its digest\n`);
  t.regex(check.stderr, /^error: image check: 1 problems found/);

  const missing = await berthImageCli(env, work, ['image', 'rm', 'nosuch', 'busybox']);
  t.not(missing.code, 0);
  t.regex(missing.stdout, /^Untagged: busybox:latest\nDeleted: sha256:[a-f0-9]{64}\n$/);
  t.regex(missing.stderr, /error: no such image: nosuch/);
  t.is((await berthImageCli(env, work, ['images', '-q'])).stdout, '');
  t.is((await berthImageCli(env, work, ['image', 'prune', '-a'])).stdout, 'Total reclaimed space: 0B\n');
});
