import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { buildImage } from '../../../src/build/dockerfile-build.js';
import { withSnapshot } from '../../../src/build/layer-snapshot.js';
import { buildFixture } from './build-fixture.js';

test('COPY: --chown by name, --chmod, wildcards, directories, .dockerignore with exceptions, relative destinations', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    'a.txt': 'a',
    'b.txt': 'b',
    'c.md': 'c',
    'tree/one.txt': '1',
    'tree/sub/two.txt': '2',
    'tree/skip.log': 'ignored',
    'tree/keep.log': 'kept',
    'secret.env': 'nope',
    '.dockerignore': '# build files\n*.env\n**/*.log\n!tree/keep.log\n',
    Dockerfile: `FROM busybox
WORKDIR /dst
COPY *.txt ./texts/
COPY --chown=app:app --chmod=0640 c.md owned.md
COPY tree /tree
COPY --chown=1234 a.txt /numeric
COPY . /everything/
`,
  });
  const { image } = await buildImage(fixture.drivers, { contextDir });
  await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => {
    t.deepEqual(readdirSync(path.join(merged, 'dst/texts')).sort(), ['a.txt', 'b.txt']);
    const owned = statSync(path.join(merged, 'dst/owned.md'));
    t.deepEqual([owned.uid, owned.gid, owned.mode & 0o777], [1000, 1000, 0o640]);
    const copied = statSync(path.join(merged, 'dst/texts/a.txt'));
    t.deepEqual([copied.uid, copied.gid], [0, 0], 'context files become root\'s');
    t.deepEqual(readdirSync(path.join(merged, 'tree')).sort(), ['keep.log', 'one.txt', 'sub'], 'a directory source copies its content');
    t.is(readFileSync(path.join(merged, 'tree/sub/two.txt'), 'utf8'), '2');
    const numeric = statSync(path.join(merged, 'numeric'));
    t.deepEqual([numeric.uid, numeric.gid], [1234, 1234], 'a uid alone is the gid too');
    const everything = readdirSync(path.join(merged, 'everything')).sort();
    t.deepEqual(everything, ['.dockerignore', 'Dockerfile', 'a.txt', 'b.txt', 'c.md', 'tree']);
    t.deepEqual(readdirSync(path.join(merged, 'everything/tree')).sort(), ['keep.log', 'one.txt', 'sub']);
  });
});

test('COPY from a stage keeps owners and symlinks; heredoc files are written with variables expanded', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    Dockerfile: `FROM busybox AS prep
RUN mkdir -p /out && echo data > /out/file && chown 1000:1000 /out/file && ln -s file /out/link
FROM busybox
ARG WHO=world
COPY --from=prep /out/ /copied/
COPY <<EOF <<'RAW' /notes/
hello \${WHO}
EOF
literal \${WHO}
RAW
`,
  });
  const { image } = await buildImage(fixture.drivers, { contextDir });
  await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => {
    t.is(statSync(path.join(merged, 'copied/file')).uid, 1000);
    t.true(lstatSync(path.join(merged, 'copied/link')).isSymbolicLink());
    t.is(readlinkSync(path.join(merged, 'copied/link')), 'file');
    t.is(readFileSync(path.join(merged, 'notes/EOF'), 'utf8'), 'hello world\n');
    t.is(readFileSync(path.join(merged, 'notes/RAW'), 'utf8'), 'literal ${WHO}\n');
  });
});

test('ADD unpacks local tar archives (gzip and xz), copies other files as they are, and refuses URLs offline', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ 'payload/dir/inner.txt': 'inner', 'payload/top.txt': 'top', 'plain.gz.txt': 'not an archive' });
  execFileSync('tar', ['-C', path.join(contextDir, 'payload'), '--owner=42', '--group=43', '-czf', path.join(contextDir, 'payload.tar.gz'), '.']);
  execFileSync('tar', ['-C', path.join(contextDir, 'payload'), '-cJf', path.join(contextDir, 'payload.tar.xz'), 'top.txt']);
  await writeFile(path.join(contextDir, 'Dockerfile'), 'FROM busybox\nADD payload.tar.gz /unpacked/\nADD payload.tar.xz /xz\nADD plain.gz.txt /plain/\n');
  const { image } = await buildImage(fixture.drivers, { contextDir });
  await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => {
    t.is(readFileSync(path.join(merged, 'unpacked/dir/inner.txt'), 'utf8'), 'inner');
    t.is(statSync(path.join(merged, 'unpacked/top.txt')).uid, 42, 'archive owners are kept');
    t.is(readFileSync(path.join(merged, 'xz/top.txt'), 'utf8'), 'top');
    t.is(readFileSync(path.join(merged, 'plain/plain.gz.txt'), 'utf8'), 'not an archive');
  });
  await writeFile(path.join(contextDir, 'Dockerfile'), 'FROM busybox\nADD https://example.com/file.tar.gz /x/\n');
  const error = await t.throwsAsync(buildImage(fixture.drivers, { contextDir }));
  t.regex(error?.message ?? '', /remote sources are not fetched: this build runs offline/);
});

test('COPY sources outside the context are refused: ../ paths and symlinks that lead out', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({ 'inside.txt': 'in' });
  symlinkSync('/etc/passwd', path.join(contextDir, 'absolute-link'));
  symlinkSync('../../outside', path.join(contextDir, 'relative-link'));
  for (const [source, message] of [
    ['../x', /\.\.\/x is outside the build context/],
    ['absolute-link', /outside the build context \(the symlink absolute-link points to \/etc\/passwd\)/],
    ['relative-link', /outside the build context/],
    ['missing.txt', /missing.txt not found in the build context: no such file or directory/],
    ['*.none', /no file matches the pattern/],
  ] as const) {
    await writeFile(path.join(contextDir, 'Dockerfile'), `FROM busybox\n\nCOPY ${source} /dest\n`);
    const error = await t.throwsAsync(buildImage(fixture.drivers, { contextDir, tags: ['bd-refused:1'] }));
    t.regex(error?.message ?? '', message, source);
    t.like((error as { position?: unknown }).position, { file: 'Dockerfile', line: 3 }, source);
  }
  t.is(await fixture.store.find('bd-refused:1'), undefined, 'nothing was tagged');
});

test('COPY --parents keeps source paths (from a /./ pivot when there is one); --exclude leaves matching paths out', async (t) => {
  const fixture = await buildFixture(t);
  const contextDir = await fixture.context({
    'a/b/c.txt': 'c',
    'x/y/z.txt': 'z',
    'src/app/main.go': 'package main',
    'tree/keep.txt': 'k',
    'tree/debug.log': 'l',
    'tree/tmp/junk': 'j',
    'notes.log': 'n',
    Dockerfile: `FROM busybox
COPY --parents a/b/c.txt x/y /dest/
COPY --parents src/./app/main.go /pivot/
COPY --exclude=*.log --exclude=tmp tree/ notes.log /excluded/
`,
  });
  const { image } = await buildImage(fixture.drivers, { contextDir });
  await withSnapshot(fixture.store, image.chainIds, async ({ merged }) => {
    t.is(readFileSync(path.join(merged, 'dest/a/b/c.txt'), 'utf8'), 'c');
    t.is(readFileSync(path.join(merged, 'dest/x/y/z.txt'), 'utf8'), 'z');
    t.deepEqual(readdirSync(path.join(merged, 'pivot')), ['app']);
    t.is(readFileSync(path.join(merged, 'pivot/app/main.go'), 'utf8'), 'package main');
    t.deepEqual(readdirSync(path.join(merged, 'excluded')), ['keep.txt']);
  });
});
