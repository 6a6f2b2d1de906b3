import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import test from 'ava';
import { BlobVerificationError, openBlobStore } from '../../../src/image/blob-store.js';
import { tempStatePaths } from '../../helpers/temp-state.js';

const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function* chunks(data: Buffer, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

test('a streamed blob lands under blobs/sha256/<hex> with its content', async (t) => {
  const paths = await tempStatePaths(t);
  const blobs = await openBlobStore(paths);
  const data = Buffer.from('hello layer content '.repeat(100));
  const digest = digestOf(data);
  await blobs.put({ digest, size: data.length }, chunks(data));
  t.is(blobs.pathOf(digest), `${paths.root}/images/blobs/sha256/${digest.slice(7)}`);
  t.deepEqual(await readFile(blobs.pathOf(digest)), data);
  t.true(await blobs.has(digest));
  t.deepEqual(await blobs.read(digest), data);
  const streamed: Buffer[] = [];
  for await (const chunk of blobs.stream(digest)) streamed.push(Buffer.from(chunk));
  t.deepEqual(Buffer.concat(streamed), data);
  t.true(await blobs.verify(digest));
});

test('putting a present blob again is a no-op and does not read the data', async (t) => {
  const paths = await tempStatePaths(t);
  const blobs = await openBlobStore(paths);
  const data = Buffer.from('same');
  const { digest } = await blobs.putBytes(data);
  const before = await stat(blobs.pathOf(digest));
  let read = false;
  async function* never(): AsyncGenerator<Uint8Array> {
    read = true;
    yield Buffer.from('other');
  }
  await blobs.put({ digest, size: data.length }, never());
  t.false(read);
  t.is((await stat(blobs.pathOf(digest))).ino, before.ino);
});

test('a digest mismatch, a truncated stream and an oversized stream keep nothing', async (t) => {
  const paths = await tempStatePaths(t);
  const blobs = await openBlobStore(paths);
  const data = Buffer.from('abcdefghijklmnop');
  const digest = digestOf(data);
  const wrong = digestOf(Buffer.from('x'));
  const mismatch = await t.throwsAsync(blobs.put({ digest: wrong, size: data.length }, chunks(data)), { instanceOf: BlobVerificationError });
  t.regex(mismatch.message, /digest mismatch/);
  await t.throwsAsync(blobs.put({ digest, size: data.length + 1 }, chunks(data)), { message: /truncated/ });
  await t.throwsAsync(blobs.put({ digest, size: 3 }, chunks(data)), { message: /larger than its declared size 3/ });
  t.false(await blobs.has(digest));
  t.false(await blobs.has(wrong));
  t.deepEqual(await readdir(`${paths.root}/images/blobs/sha256`), []);
  t.deepEqual(await readdir(`${paths.root}/images/tmp`), []);
});

test('a digest that is not sha256 hex is refused before touching the filesystem', async (t) => {
  const paths = await tempStatePaths(t);
  const blobs = await openBlobStore(paths);
  t.throws(() => blobs.pathOf('sha256:../../etc/passwd'), { message: /invalid digest/ });
  await t.throwsAsync(blobs.read(`sha512:${'a'.repeat(128)}`), { message: /^invalid digest/ });
  await t.throwsAsync(blobs.read(`sha256:${'a'.repeat(64)}`), { message: /not in the image store/ });
});
