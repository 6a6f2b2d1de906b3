// A directory as a layer tar stream: deterministic (sorted names), owners, modes and mtimes kept, symlinks as links.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { SystemError } from '../errors.js';
import { type TarHeaderFields, tarEnd, tarHeader, tarPadding } from './tar-writer.js';

/**
 * The tar of everything below `dir` (not `dir` itself: a layer's root belongs to the container's upper
 * dir), depth first, each directory's entries in byte order of their names, so the same tree always
 * gives the same bytes and the same DiffID. Files seen before under another name become hardlinks.
 * Sockets are skipped, as GNU tar does; xattrs are not carried.
 */
export async function* packDirectory(dir: string): AsyncGenerator<Buffer> {
  const root = await lstat(dir).catch((error: unknown) => {
    throw asSystemError(error, `read ${dir}`);
  });
  if (!root.isDirectory()) throw new SystemError(`${dir} is not a directory`, `pack ${dir}`, 'ENOTDIR');
  const seen = new Map<string, string>();
  yield* packChildren(dir, '', seen);
  yield tarEnd();
}

async function* packChildren(dir: string, prefix: string, seen: Map<string, string>): AsyncGenerator<Buffer> {
  const absoluteDir = prefix === '' ? dir : path.join(dir, prefix);
  const names = (await readdir(absoluteDir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const relative = prefix === '' ? name : `${prefix}/${name}`;
    const absolute = path.join(dir, relative);
    const info = await lstat(absolute);
    const common = { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, mtime: Math.floor(info.mtimeMs / 1000) };
    if (info.isDirectory()) {
      yield tarHeader({ ...common, name: `${relative}/`, type: 'directory' });
      yield* packChildren(dir, relative, seen);
      continue;
    }
    if (info.isSymbolicLink()) {
      yield tarHeader({ ...common, name: relative, type: 'symlink', linkname: await readlink(absolute) });
      continue;
    }
    if (info.isFile()) {
      const identity = `${info.dev}:${info.ino}`;
      const first = info.nlink > 1 ? seen.get(identity) : undefined;
      if (first !== undefined) {
        yield tarHeader({ ...common, name: relative, type: 'hardlink', linkname: first });
        continue;
      }
      if (info.nlink > 1) seen.set(identity, relative);
      yield tarHeader({ ...common, name: relative, type: 'file', size: info.size });
      yield* fileData(absolute, info.size);
      yield tarPadding(info.size);
      continue;
    }
    const special = specialFields(info);
    if (special) yield tarHeader({ ...common, name: relative, ...special });
  }
}

/** Exactly `size` bytes of the file: a file that changes size while it is packed would corrupt the tar. */
async function* fileData(file: string, size: number): AsyncGenerator<Buffer> {
  let read = 0;
  if (size > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: size - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      read += chunk.length;
      yield chunk;
    }
  }
  if (read !== size) throw new SystemError(`${file} shrank from ${size} to ${read} bytes while it was packed`, `pack ${file}`);
}

function specialFields(info: Awaited<ReturnType<typeof lstat>>): Pick<TarHeaderFields, 'type' | 'devmajor' | 'devminor'> | undefined {
  const rdev = Number(info.rdev);
  // Linux's dev_t encoding (glibc's gnu_dev_major/minor).
  const devmajor = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const devminor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  if (info.isFIFO()) return { type: 'fifo' };
  if (info.isCharacterDevice()) return { type: 'char', devmajor, devminor };
  if (info.isBlockDevice()) return { type: 'block', devmajor, devminor };
  return undefined;
}

function asSystemError(error: unknown, operation: string): SystemError {
  return new SystemError(error instanceof Error ? error.message : String(error), operation, (error as NodeJS.ErrnoException).code, { cause: error });
}
