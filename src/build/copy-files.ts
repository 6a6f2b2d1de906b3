// COPY and ADD into a step's root filesystem: Docker's rules for directories, destinations and owners.
import { copyFile, lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { berthSys } from '../native/berth-sys.js';
import type { IgnoreMatcher } from './dockerignore.js';
import { type ArchiveKind, extractArchive, sniffArchive } from './add-archive.js';
import { type EntryMetadata, type Owner, applyMetadata, clearEntry, ensureDirectory } from './rootfs-writer.js';
import { resolveInRoot } from './scoped-path.js';
import type { SourceEntry, SourceTree } from './source-tree.js';

const S_IFIFO = 0o010000;
const ROOT: Owner = { uid: 0, gid: 0 };

/** One matched source of a COPY/ADD. */
export interface CopyItem {
  tree: SourceTree;
  entry: SourceEntry;
  /** `COPY --parents`: the path kept under the destination (`x/y` for `x/y`, `y` for `x/./y`). */
  keepPath?: string | undefined;
}

/** A heredoc source (`COPY <<EOF /dest`): a file named after its delimiter. */
export interface InlineFile {
  name: string;
  content: string;
}

export interface CopyOptions {
  /** The step's root filesystem (the snapshot's merged view). */
  rootfs: string;
  /** Absolute destination in the image; a trailing `/` means "into this directory". */
  dest: string;
  /** `--chown`; without it context files become root's and stage/image files keep their owners. */
  owner?: Owner | undefined;
  keepSourceOwners: boolean;
  /** `--chmod` for every file and directory copied. */
  mode?: number | undefined;
  /** ADD: local tar archives (plain, gzip, bzip2, xz, zstd) are unpacked into the destination. */
  extractArchives: boolean;
  /** The instruction for errors (`COPY a b /x`). */
  what: string;
  /** `--exclude` patterns, matched against paths as they land under the destination. */
  exclude?: IgnoreMatcher | undefined;
}

/** Copy `items` and `inline` files to `options.dest` inside the root, as Docker's COPY/ADD would. */
export async function copyIntoRootfs(items: readonly CopyItem[], inline: readonly InlineFile[], options: CopyOptions): Promise<void> {
  const { rootfs } = options;
  const intoDirectory = /\/\.?$/.test(options.dest) || options.dest === '.';
  const destRelative = await resolveInRoot(rootfs, options.dest, { escape: 'clamp' });
  const destInfo = await lstat(path.join(rootfs, destRelative)).catch(() => undefined);
  const count = items.length + inline.length;
  const destIsDirectory = intoDirectory || destInfo?.isDirectory() === true;
  if (count > 1 && !destIsDirectory) {
    throw new UserError(`${options.what}: when copying more than one source (${count} here) the destination must be a directory and end with a /`, { hint: `write ${options.dest}/` });
  }
  const created = { owner: options.owner ?? ROOT, mode: 0o755 };
  for (const file of inline) {
    const target = destIsDirectory ? `${destRelative}/${file.name}` : destRelative;
    const parent = await ensureDirectory(rootfs, path.posix.dirname(target), created);
    const absolute = path.join(rootfs, parent, path.posix.basename(target));
    await clearEntry(absolute, `/${target}`, false);
    await writeFile(absolute, file.content, { flag: 'wx' });
    await applyMetadata(absolute, 'file', { owner: options.owner ?? ROOT, mode: options.mode ?? 0o644, mtimeMs: Date.now() });
  }
  for (const { tree, entry, keepPath } of items) {
    if (keepPath !== undefined) {
      // --parents: the source's own path is kept under the destination directory.
      const target = `${destRelative}/${keepPath}`.replace(/^\/+/, '');
      if (entry.kind === 'directory') {
        await copyChildren(tree, entry.relative, await ensureDirectory(rootfs, target, created), options);
      } else if (!options.exclude?.matches(keepPath)) {
        const parent = await ensureDirectory(rootfs, path.posix.dirname(target), created);
        await copyEntry(tree, entry, path.join(rootfs, parent, path.posix.basename(target)), `/${target}`, options);
      }
      continue;
    }
    if (entry.kind === 'directory') {
      const dir = await ensureDirectory(rootfs, destRelative, created);
      await copyChildren(tree, entry.relative, dir, options);
      continue;
    }
    if (options.exclude?.matches(path.posix.basename(entry.relative))) continue;
    const archive: ArchiveKind | undefined = options.extractArchives && entry.kind === 'file' ? await sniffArchive(path.join(tree.root, entry.relative)) : undefined;
    if (archive) {
      const dir = await ensureDirectory(rootfs, destRelative, created);
      await extractArchive(path.join(tree.root, entry.relative), archive, { rootfs, dir, owner: options.owner });
      continue;
    }
    const target = destIsDirectory ? `${destRelative}/${path.posix.basename(entry.relative)}` : destRelative;
    const parent = await ensureDirectory(rootfs, path.posix.dirname(target), created);
    await copyEntry(tree, entry, path.join(rootfs, parent, path.posix.basename(target)), `/${target}`, options);
  }
}

/** Everything below the source directory into `destDir` (a real directory of the root), parents first. */
async function copyChildren(tree: SourceTree, sourceDir: string, destDir: string, options: CopyOptions): Promise<void> {
  const entries = await tree.descendants(sourceDir);
  const directories: { absolute: string; metadata: EntryMetadata }[] = [];
  for (const entry of entries) {
    const below = sourceDir === '' ? entry.relative : entry.relative.slice(sourceDir.length + 1);
    if (options.exclude?.matches(below)) continue;
    const shown = `/${destDir === '' ? below : `${destDir}/${below}`}`;
    const absolute = path.join(options.rootfs, destDir, below);
    const written = await copyEntry(tree, entry, absolute, shown, options, true);
    if (written) directories.push(written);
  }
  // Directory times last: writing their children changed them.
  for (const { absolute, metadata } of directories.reverse()) await applyMetadata(absolute, 'directory', metadata);
}

/**
 * One entry at `absolute` (its parent a real directory of the root). A directory's own metadata is
 * returned instead of applied when `deferDirectory` (its children come next).
 */
async function copyEntry(
  tree: SourceTree,
  entry: SourceEntry,
  absolute: string,
  shown: string,
  options: CopyOptions,
  deferDirectory = false,
): Promise<{ absolute: string; metadata: EntryMetadata } | undefined> {
  const source = path.join(tree.root, entry.relative);
  const owner = options.owner ?? (options.keepSourceOwners ? { uid: entry.uid, gid: entry.gid } : ROOT);
  const metadata: EntryMetadata = { owner, mode: entry.kind === 'symlink' ? entry.mode : (options.mode ?? entry.mode), mtimeMs: entry.mtimeMs };
  switch (entry.kind) {
    case 'directory': {
      // A link in the way is replaced by a real directory: copying never writes through it.
      if ((await clearEntry(absolute, shown, true)) === 'clear') await mkdir(absolute, { mode: 0o700 });
      if (deferDirectory) return { absolute, metadata };
      await applyMetadata(absolute, 'directory', metadata);
      return undefined;
    }
    case 'file':
      await clearEntry(absolute, shown, false);
      await copyFile(source, absolute);
      await applyMetadata(absolute, 'file', metadata);
      return undefined;
    case 'symlink':
      await clearEntry(absolute, shown, false);
      await symlink(entry.linkTarget ?? '', absolute);
      await applyMetadata(absolute, 'symlink', metadata);
      return undefined;
    case 'fifo':
      await clearEntry(absolute, shown, false);
      berthSys().mknod(absolute, S_IFIFO | (metadata.mode & 0o777), 0, 0);
      await applyMetadata(absolute, 'fifo', metadata);
      return undefined;
    default:
      // Sockets and device nodes in a context are not content.
      return undefined;
  }
}
