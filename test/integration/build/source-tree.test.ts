import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { SourceTree } from '../../../src/build/source-tree.js';

async function contextDir(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bd-tree-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

test('an excluded directory still yields what a ! exception brings back, with its parents', async (t) => {
  const dir = await contextDir(t, {
    '.dockerignore': 'docs\n!docs/keep/**\nnode_modules\n',
    'docs/drop.md': 'x',
    'docs/keep/a.md': 'a',
    'docs/keep/deep/b.md': 'b',
    'node_modules/pkg/index.js': 'x',
    'src/main.ts': 'm',
  });
  const tree = await SourceTree.openContext(dir);
  const all = (await tree.descendants('')).map((entry) => `${entry.kind === 'directory' ? 'd' : 'f'} ${entry.relative}`);
  t.deepEqual(all, ['f .dockerignore', 'd docs', 'd docs/keep', 'f docs/keep/a.md', 'd docs/keep/deep', 'f docs/keep/deep/b.md', 'd src', 'f src/main.ts']);
  await t.throwsAsync(tree.match('docs/drop.md'), { message: /not found in the build context.*excluded by \.dockerignore/ });
  t.deepEqual((await tree.match('docs/keep/*.md')).map((entry) => entry.relative), ['docs/keep/a.md']);
});

test('a Dockerfile-specific .dockerignore wins over the context one', async (t) => {
  const dir = await contextDir(t, { '.dockerignore': '*.txt\n', 'app.Dockerfile.dockerignore': '*.md\n', 'a.txt': 'a', 'b.md': 'b', 'app.Dockerfile': 'FROM x\n' });
  const tree = await SourceTree.openContext(dir, path.join(dir, 'app.Dockerfile'));
  t.deepEqual((await tree.descendants('')).map((entry) => entry.relative).sort(), ['.dockerignore', 'a.txt', 'app.Dockerfile', 'app.Dockerfile.dockerignore']);
});

test('a symlink inside the context is followed when named; its content digest follows content and mode, not mtime', async (t) => {
  const dir = await contextDir(t, { 'real/file.txt': 'one' });
  await symlink('real', path.join(dir, 'alias'));
  const tree = await SourceTree.openContext(dir);
  const [entry] = await tree.match('alias');
  t.is(entry?.relative, 'real');
  const digest = async (): Promise<string> => new SourceTree(dir, { escape: 'refuse', label: 'build context' }).contentDigest((await tree.match('real'))[0] ?? entry ?? ({} as never));
  const first = await digest();
  await utimes(path.join(dir, 'real/file.txt'), 1, 1);
  t.is(await digest(), first, 'mtime is not content');
  await chmod(path.join(dir, 'real/file.txt'), 0o600);
  const afterMode = await digest();
  t.not(afterMode, first);
  await writeFile(path.join(dir, 'real/file.txt'), 'two');
  t.not(await digest(), afterMode);
});
