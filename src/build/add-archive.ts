// ADD of a local tar archive (plain, gzip, bzip2, xz, zstd): unpacked into the destination, never outside the root.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, open, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { safeLayerPath } from '../image/layer-path.js';
import { decompressLayer } from '../image/layer-unpack.js';
import { DEFAULT_TAR_LIMITS, TarReader, type TarEntry } from '../image/tar-reader.js';
import { berthSys } from '../native/berth-sys.js';
import { type EntryMetadata, type Owner, applyMetadata, clearEntry, ensureDirectory } from './rootfs-writer.js';
import { resolveInRoot } from './scoped-path.js';

export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const S_IFIFO = 0o010000;
const TAR_BLOCK = 512;

/** The kind of archive `file` is, or undefined when it is not a tar (compressed or not): ADD then copies it as a file. */
export async function sniffArchive(file: string): Promise<ArchiveKind | undefined> {
  const head = await readHead(createReadStream(file, { start: 0, end: 5 }), 6);
  const kind: ArchiveKind =
    head[0] === 0x1f && head[1] === 0x8b
      ? 'gzip'
      : head.subarray(0, 3).toString('latin1') === 'BZh'
        ? 'bzip2'
        : head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
          ? 'xz'
          : head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))
            ? 'zstd'
            : 'tar';
  try {
    const block = await readHead(decompressed(file, kind), TAR_BLOCK);
    return isTarHeader(block) ? kind : undefined;
  } catch {
    // Not decompressible: a file that only looks like an archive.
    return undefined;
  }
}

/**
 * Unpack `file` into `dir` (a real directory of `rootfs`, slash path relative to it). Entries keep their
 * owners (or take `owner`), modes and times; names that climb out, links that lead out and device
 * nodes are refused.
 */
export async function extractArchive(file: string, kind: ArchiveKind, target: { rootfs: string; dir: string; owner?: Owner | undefined }): Promise<void> {
  const reader = new TarReader(decompressed(file, kind), DEFAULT_TAR_LIMITS);
  const directories: { absolute: string; metadata: EntryMetadata }[] = [];
  const what = path.basename(file);
  for (let entry = await reader.next(); entry; entry = await reader.next()) {
    const relative = safeLayerPath(entry.name, `entry of ${what}`);
    if (relative === '') continue;
    const metadata: EntryMetadata = { owner: target.owner ?? { uid: entry.uid, gid: entry.gid }, mode: entry.mode & 0o7777, mtimeMs: entry.mtime * 1000 };
    const full = target.dir === '' ? relative : `${target.dir}/${relative}`;
    const parent = await ensureDirectory(target.rootfs, path.posix.dirname(full), { owner: metadata.owner, mode: 0o755 });
    const absolute = path.join(target.rootfs, parent, path.posix.basename(full));
    const shown = `/${full}`;
    switch (entry.kind) {
      case 'directory':
        if ((await clearEntry(absolute, shown, true)) === 'clear') await mkdir(absolute, { mode: 0o700 });
        directories.push({ absolute, metadata });
        break;
      case 'file':
        await clearEntry(absolute, shown, false);
        await writeEntry(absolute, reader.data());
        await applyMetadata(absolute, 'file', metadata);
        break;
      case 'symlink':
        await clearEntry(absolute, shown, false);
        await symlink(entry.linkname, absolute);
        await applyMetadata(absolute, 'symlink', metadata);
        break;
      case 'hardlink': {
        const linkTarget = safeLayerPath(entry.linkname, `link of ${what}`);
        const resolved = await resolveInRoot(target.rootfs, target.dir === '' ? linkTarget : `${target.dir}/${linkTarget}`, { escape: 'clamp', followFinal: false });
        const info = await lstat(path.join(target.rootfs, resolved)).catch(() => undefined);
        if (!info || info.isDirectory()) throw new UserError(`ADD ${what}: hardlink ${entry.name} points to ${entry.linkname}, which is not a file in the archive`);
        await clearEntry(absolute, shown, false);
        await link(path.join(target.rootfs, resolved), absolute);
        break;
      }
      case 'fifo':
        await clearEntry(absolute, shown, false);
        berthSys().mknod(absolute, S_IFIFO | (metadata.mode & 0o777), 0, 0);
        await applyMetadata(absolute, 'fifo', metadata);
        break;
      default:
        throw new UserError(`ADD ${what}: the archive holds a device node (${describe(entry)}), which a build does not create`, { hint: 'make device nodes at run time, or use COPY of the archive file' });
    }
  }
  for (const { absolute, metadata } of directories.reverse()) await applyMetadata(absolute, 'directory', metadata);
}

async function writeEntry(absolute: string, data: AsyncIterable<Buffer>): Promise<void> {
  const handle = await open(absolute, 'wx', 0o600);
  try {
    for await (const piece of data) await handle.write(piece);
  } finally {
    await handle.close();
  }
}

/** The tar bytes of the archive: gzip and zstd as the layer unpacker reads them, bzip2 and xz through their tools. */
function decompressed(file: string, kind: ArchiveKind): AsyncIterable<Uint8Array> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
  if (kind === 'bzip2' || kind === 'xz') return throughTool(kind === 'xz' ? 'xz' : 'bzip2', raw, file);
  return decompressLayer(raw);
}

async function* throughTool(tool: string, source: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  const child = spawn(tool, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const feeding = pipeline(Readable.from(source), child.stdin).catch(() => undefined);
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited.catch((error: unknown) => {
      throw new UserError(`ADD ${path.basename(file)}: ${tool} could not run: ${error instanceof Error ? error.message : String(error)}`, { hint: `install ${tool}` });
    });
    if (code !== 0) throw new UserError(`ADD ${path.basename(file)}: not valid ${tool} data: ${stderr.trim() || `${tool} exited with ${code}`}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await feeding;
  }
}

async function readHead(source: AsyncIterable<Uint8Array>, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (size < length) {
      const next = await iterator.next();
      if (next.done) break;
      chunks.push(Buffer.from(next.value));
      size += next.value.length;
    }
  } finally {
    await iterator.return?.();
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/** A tar header block: its checksum matches (ustar, GNU and v7 headers alike). */
function isTarHeader(block: Buffer): boolean {
  if (block.length < TAR_BLOCK) return false;
  const stored = Number.parseInt(block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  if (!Number.isFinite(stored)) return false;
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === stored && block[0] !== 0;
}

function describe(entry: TarEntry): string {
  return `${entry.name}, ${entry.kind} ${entry.devmajor}:${entry.devminor}`;
}
