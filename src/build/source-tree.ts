// What COPY and ADD read from: the build context (with .dockerignore) or another stage's root filesystem.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError, ValueError } from '../errors.js';
import { IgnoreMatcher, parseDockerignore } from './dockerignore.js';
import { hasWildcard, matchPath } from './path-pattern.js';
import { clampRelative, cleanRelative, resolveInRoot, splitPath } from './scoped-path.js';

export type SourceKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'other';

/** One file, directory or link of a source tree. */
export interface SourceEntry {
  /** Slash-separated path below the tree's root ('' for the root). */
  relative: string;
  kind: SourceKind;
  /** Permission bits with setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  linkTarget?: string | undefined;
}

export interface SourceTreeOptions {
  /** Paths the build never sees (the context's .dockerignore). */
  ignore?: IgnoreMatcher | undefined;
  /** `refuse` for the context (nothing may lead out of it), `clamp` for a root filesystem. */
  escape: 'clamp' | 'refuse';
  /** How errors name the tree: `build context`, `stage build`. */
  label: string;
}

export class SourceTree {
  private readonly hashes = new Map<string, Promise<string>>();

  constructor(
    readonly root: string,
    readonly options: SourceTreeOptions,
  ) {}

  /** The build context at `dir`: `<dockerfile>.dockerignore` beside the Dockerfile wins over `<dir>/.dockerignore`. */
  static async openContext(dir: string, dockerfilePath?: string): Promise<SourceTree> {
    const info = await lstat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new UserError(`build context ${dir} is not a directory`, { hint: 'set build.context to a directory' });
    const candidates = [...(dockerfilePath ? [`${dockerfilePath}.dockerignore`] : []), path.join(dir, '.dockerignore')];
    let ignore: IgnoreMatcher | undefined;
    for (const file of candidates) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      try {
        ignore = new IgnoreMatcher(parseDockerignore(text));
      } catch (error) {
        if (error instanceof ValueError) throw new UserError(error.message, { position: { file, line: 1, col: 1 }, hint: error.hint });
        throw error;
      }
      break;
    }
    return new SourceTree(dir, { ignore, escape: 'refuse', label: 'build context' });
  }

  isIgnored(relative: string): boolean {
    return relative !== '' && (this.options.ignore?.matches(relative) ?? false);
  }

  /** The entry at `relative` without following a final symlink; undefined when absent. */
  async stat(relative: string): Promise<SourceEntry | undefined> {
    const absolute = path.join(this.root, relative);
    const info = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (!info) return undefined;
    const kind: SourceKind = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : info.isFIFO() ? 'fifo' : 'other';
    return {
      relative,
      kind,
      mode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
      size: info.size,
      mtimeMs: info.mtimeMs,
      ...(kind === 'symlink' ? { linkTarget: await readlink(absolute) } : {}),
    };
  }

  /** Everything below the directory `relative` (not itself), parents before children, names in byte order. */
  async descendants(relative: string): Promise<SourceEntry[]> {
    const out: SourceEntry[] = [];
    const walk = async (dir: string): Promise<void> => {
      const names = (await readdir(path.join(this.root, dir))).sort(byteOrder);
      for (const name of names) {
        const child = dir === '' ? name : `${dir}/${name}`;
        const excluded = this.isIgnored(child);
        const entry = await this.stat(child);
        if (!entry) continue;
        if (entry.kind === 'directory') {
          // An excluded directory is still walked when `!` exceptions may bring back something inside it.
          if (excluded && !this.options.ignore?.hasExceptions) continue;
          const at = out.length;
          await walk(child);
          if (!excluded || out.length > at) out.splice(at, 0, entry);
        } else if (!excluded) {
          out.push(entry);
        }
      }
    };
    await walk(relative);
    return out;
  }

  /**
   * The entries one COPY/ADD source names: a path (its own symlinks followed) or a Go filepath.Match
   * pattern. Nothing found is a UserError, as is a path that leads out of the context.
   */
  async match(source: string): Promise<SourceEntry[]> {
    let clean = cleanRelative(source);
    if (clean === undefined) {
      if (this.options.escape === 'refuse') {
        throw new UserError(`${source} is outside the ${this.options.label}`, { hint: 'COPY and ADD can only read files inside the context directory; move the file into it' });
      }
      clean = clampRelative(source);
    }
    const candidates = hasWildcard(clean) ? await this.glob(clean) : [clean];
    const found: SourceEntry[] = [];
    for (const candidate of candidates) {
      const resolved = await resolveInRoot(this.root, candidate, { escape: this.options.escape, describe: source });
      const entry = this.isIgnored(resolved) ? undefined : await this.stat(resolved);
      if (entry) found.push(entry);
    }
    if (found.length === 0) {
      const why = hasWildcard(clean) ? 'no file matches the pattern' : 'no such file or directory';
      throw new UserError(`${source} not found in the ${this.options.label}: ${why}${this.options.ignore && !this.options.ignore.empty ? ' (or excluded by .dockerignore)' : ''}`, {
        hint: this.options.escape === 'refuse' ? 'paths are relative to the build context directory' : 'check the path in the stage or image it is copied from',
      });
    }
    return found;
  }

  /** Paths matching a pattern, component by component (Go semantics: `*` never crosses a `/`). */
  private async glob(pattern: string): Promise<string[]> {
    let level: string[] = [''];
    const parts = splitPath(pattern);
    for (const [index, part] of parts.entries()) {
      const next: string[] = [];
      for (const dir of level) {
        const info = await this.stat(dir);
        if (info?.kind !== 'directory') continue;
        if (!hasWildcard(part)) {
          next.push(dir === '' ? part : `${dir}/${part}`);
          continue;
        }
        for (const name of (await readdir(path.join(this.root, dir))).sort(byteOrder)) {
          const child = dir === '' ? name : `${dir}/${name}`;
          if (matchPath(part, name) && (index < parts.length - 1 || !this.isIgnored(child))) next.push(child);
        }
      }
      level = next;
    }
    return level;
  }

  /** sha256 of a file's content, once per build. */
  fileDigest(relative: string): Promise<string> {
    let digest = this.hashes.get(relative);
    if (!digest) {
      digest = hashFile(path.join(this.root, relative));
      this.hashes.set(relative, digest);
    }
    return digest;
  }

  /**
   * A digest of what copying `entry` brings: names, kinds, modes, link targets and file contents of it
   * and everything below it (owners and mtimes left out, as Docker's cache key leaves them out).
   */
  async contentDigest(entry: SourceEntry): Promise<string> {
    const hash = createHash('sha256');
    const entries = entry.kind === 'directory' ? [entry, ...(await this.descendants(entry.relative))] : [entry];
    for (const item of entries) {
      const name = item === entry ? '.' : item.relative.slice(entry.relative === '' ? 0 : entry.relative.length + 1);
      const content = item.kind === 'file' ? await this.fileDigest(item.relative) : (item.linkTarget ?? '');
      hash.update(`${name}\0${item.kind}\0${item.mode.toString(8)}\0${content}\n`);
    }
    return `sha256:${hash.digest('hex')}`;
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
