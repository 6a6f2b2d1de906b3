import test from 'ava';
import { LayerFormatError, type TarEntry, TarReader } from '../../../src/image/tar-reader.js';
import { type TarHeaderFields, tarEnd, tarHeader, tarPadding } from '../../../src/image/tar-writer.js';

function archive(entries: { header: TarHeaderFields; data?: string }[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const { header, data = '' } of entries) {
    parts.push(tarHeader({ size: header.type === 'file' ? Buffer.byteLength(data) : 0, ...header }), Buffer.from(data), tarPadding(Buffer.byteLength(data)));
  }
  if (end) parts.push(tarEnd());
  return Buffer.concat(parts);
}

/** Feed `data` in small odd-sized chunks so every read crosses chunk boundaries. */
async function* inChunks(data: Buffer, size = 333): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function readAll(data: Buffer, limits = { maxUnpackedBytes: 1 << 30, maxEntries: 1000 }): Promise<{ entry: TarEntry; data: string }[]> {
  const reader = new TarReader(inChunks(data), limits);
  const out: { entry: TarEntry; data: string }[] = [];
  for (let entry = await reader.next(); entry; entry = await reader.next()) {
    const pieces: Buffer[] = [];
    for await (const piece of reader.data()) pieces.push(piece);
    out.push({ entry, data: Buffer.concat(pieces).toString() });
  }
  return out;
}

test('ustar entries come back with their type, mode, owner, mtime, link and data', async (t) => {
  const entries = await readAll(
    archive([
      { header: { name: 'dir/', type: 'directory', mode: 0o2775, uid: 1000, gid: 1001, mtime: 1_600_000_000 } },
      { header: { name: 'dir/file', type: 'file', mode: 0o4755 }, data: 'hello world' },
      { header: { name: 'dir/link', type: 'symlink', linkname: '../target' } },
      { header: { name: 'dir/hard', type: 'hardlink', linkname: 'dir/file' } },
      { header: { name: 'dev', type: 'char', devmajor: 1, devminor: 3 } },
    ]),
  );
  t.deepEqual(
    entries.map(({ entry, data }) => [entry.name, entry.kind, entry.mode.toString(8), entry.uid, entry.gid, entry.linkname, data]),
    [
      ['dir/', 'directory', '2775', 1000, 1001, '', ''],
      ['dir/file', 'file', '4755', 0, 0, '', 'hello world'],
      ['dir/link', 'symlink', '644', 0, 0, '../target', ''],
      ['dir/hard', 'hardlink', '644', 0, 0, 'dir/file', ''],
      ['dev', 'char', '644', 0, 0, '', ''],
    ],
  );
  t.is(entries[0]?.entry.mtime, 1_600_000_000);
  t.deepEqual([entries[4]?.entry.devmajor, entries[4]?.entry.devminor], [1, 3]);
});

test('data left unread is skipped by the next entry', async (t) => {
  const reader = new TarReader(inChunks(archive([{ header: { name: 'a', type: 'file' }, data: 'x'.repeat(5000) }, { header: { name: 'b', type: 'file' }, data: 'bee' }])));
  t.is((await reader.next())?.name, 'a');
  t.is((await reader.next())?.name, 'b');
  const pieces: Buffer[] = [];
  for await (const piece of reader.data()) pieces.push(piece);
  t.is(Buffer.concat(pieces).toString(), 'bee');
  t.is(await reader.next(), undefined);
});

test('a long name uses the ustar prefix, or a pax path when it cannot be split', async (t) => {
  const split = `${'d'.repeat(90)}/${'e'.repeat(90)}/file`;
  const unsplittable = 'x'.repeat(300);
  const longLink = `/${'l'.repeat(200)}`;
  const entries = await readAll(
    archive([
      { header: { name: split, type: 'file' }, data: '1' },
      { header: { name: unsplittable, type: 'file' }, data: '2' },
      { header: { name: 'sym', type: 'symlink', linkname: longLink } },
    ]),
  );
  t.deepEqual(
    entries.map(({ entry }) => [entry.name, entry.linkname]),
    [
      [split, ''],
      [unsplittable, ''],
      ['sym', longLink],
    ],
  );
});

test('GNU long name and long link headers (L, K) name the next entry', async (t) => {
  const name = `gnu/${'n'.repeat(150)}`;
  const link = `target/${'k'.repeat(150)}`;
  const gnu = (flag: string, body: string): Buffer => {
    const header = tarHeader({ name: '././@LongLink', type: 'file', size: body.length + 1 });
    header.write(flag, 156, 1, 'latin1');
    fixChecksum(header);
    return Buffer.concat([header, Buffer.from(`${body}\0`), tarPadding(body.length + 1)]);
  };
  const data = Buffer.concat([gnu('L', name), gnu('K', link), tarHeader({ name: 'short', type: 'symlink', linkname: 'short' }), tarEnd()]);
  const [entry] = await readAll(data);
  t.is(entry?.entry.name, name);
  t.is(entry?.entry.linkname, link);
});

test('pax records: size beyond 8 GiB, fractional mtime, uid above the octal field, xattrs', async (t) => {
  const header = tarHeader({ name: 'big', type: 'file', size: 9 * 1024 ** 3, uid: 70_000_000 });
  const reader = new TarReader(inChunks(Buffer.concat([header, tarEnd()])), { maxUnpackedBytes: 10 * 1024 ** 3, maxEntries: 10 });
  const entry = await reader.next();
  t.is(entry?.size, 9 * 1024 ** 3);
  t.is(entry?.uid, 70_000_000);
  const pax = '30 mtime=1700000000.123456789\n30 SCHILY.xattr.user.test=abc\n';
  const paxHeader = tarHeader({ name: 'PaxHeaders/f', type: 'file', size: pax.length });
  paxHeader.write('x', 156, 1, 'latin1');
  fixChecksum(paxHeader);
  const [withPax] = await readAll(Buffer.concat([paxHeader, Buffer.from(pax), tarPadding(pax.length), tarHeader({ name: 'f', type: 'file' }), tarEnd()]));
  t.is(withPax?.entry.mtime, Number('1700000000.123456789'));
  t.is(withPax?.entry.xattrs.get('user.test')?.toString(), 'abc');
});

test('a base-256 size field is read as binary', async (t) => {
  const header = tarHeader({ name: 'bin', type: 'file', size: 0 });
  header.fill(0, 124, 136);
  header[124] = 0x80;
  header.writeUIntBE(3, 130, 6);
  fixChecksum(header);
  const [entry] = await readAll(Buffer.concat([header, Buffer.from('abc'), tarPadding(3), tarEnd()]));
  t.is(entry?.data, 'abc');
});

test('a corrupt checksum, a truncated stream and a missing end marker are format errors', async (t) => {
  const good = archive([{ header: { name: 'a', type: 'file' }, data: 'abc' }]);
  const corrupt = Buffer.from(good);
  corrupt[0] = 0x42;
  await t.throwsAsync(readAll(corrupt), { instanceOf: LayerFormatError, message: /checksum/ });
  await t.throwsAsync(readAll(good.subarray(0, 514)), { instanceOf: LayerFormatError, message: /truncated/ });
  await t.throwsAsync(readAll(archive([{ header: { name: 'a', type: 'file' }, data: 'abc' }], false)), { instanceOf: LayerFormatError, message: /end-of-archive/ });
});

test('declared sizes and entry counts beyond the limits are refused before any data is read', async (t) => {
  const huge = Buffer.concat([tarHeader({ name: 'huge', type: 'file', size: 2 ** 40 })]);
  await t.throwsAsync(readAll(huge, { maxUnpackedBytes: 1 << 30, maxEntries: 10 }), { instanceOf: LayerFormatError, message: /more than 1073741824 bytes/ });
  const many = archive(Array.from({ length: 11 }, (_, i) => ({ header: { name: `f${i}`, type: 'file' as const } })));
  await t.throwsAsync(readAll(many, { maxUnpackedBytes: 1 << 30, maxEntries: 10 }), { instanceOf: LayerFormatError, message: /more than 10 entries/ });
  const sum = archive([{ header: { name: 'a', type: 'file' }, data: 'x'.repeat(600) }, { header: { name: 'b', type: 'file' }, data: 'y'.repeat(600) }]);
  await t.throwsAsync(readAll(sum, { maxUnpackedBytes: 1000, maxEntries: 10 }), { message: /more than 1000 bytes/ });
});

test('sparse files and unknown entry types are refused by name', async (t) => {
  for (const [flag, expected] of [['S', /sparse file/], ['Z', /tar type "Z"/]] as const) {
    const header = tarHeader({ name: 'odd', type: 'file' });
    header.write(flag, 156, 1, 'latin1');
    fixChecksum(header);
    await t.throwsAsync(readAll(Buffer.concat([header, tarEnd()])), { message: expected });
  }
});

function fixChecksum(header: Buffer): void {
  header.write('        ', 148, 8, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}
