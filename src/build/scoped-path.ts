// Paths inside a root directory, with symlinks followed as if the root were `/`: nothing resolves outside it.
import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

const MAX_LINKS = 255;

/** A path that leaves the root (through `..` or a symlink) where that is not allowed. */
export class PathEscapeError extends UserError {}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (default true). */
  followFinal?: boolean;
  /**
   * `clamp` (a container rootfs): `..` at the root stays at the root and absolute links start at it.
   * `refuse` (the build context): any way out is a PathEscapeError.
   */
  escape: 'clamp' | 'refuse';
  /** Names the path in errors (default the path itself). */
  describe?: string;
}

/**
 * `relative` resolved inside `root`: the slash-separated path below root ('' for root itself) whose
 * every existing component is a real directory (or, for the last one, anything but a followed
 * symlink). Components that do not exist are kept as they are.
 */
export async function resolveInRoot(root: string, relative: string, options: ResolveOptions): Promise<string> {
  const followFinal = options.followFinal ?? true;
  const pending = splitPath(relative);
  const resolved: string[] = [];
  let links = 0;
  const escaped = (how: string): PathEscapeError =>
    new PathEscapeError(`${options.describe ?? relative} is outside the build context (${how})`, {
      hint: 'COPY and ADD can only read files inside the context directory; move the file into it',
    });
  while (pending.length > 0) {
    const part = pending.shift() ?? '';
    if (part === '..') {
      if (resolved.length === 0) {
        if (options.escape === 'refuse') throw escaped('.. climbs above it');
        continue;
      }
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    if (pending.length === 0 && !followFinal) {
      resolved.push(part);
      break;
    }
    const info = await lstat(path.join(root, ...candidate)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (!info?.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    links += 1;
    if (links > MAX_LINKS) throw new UserError(`too many levels of symbolic links in ${options.describe ?? relative}`);
    const target = await readlink(path.join(root, ...candidate));
    if (target.startsWith('/')) {
      if (options.escape === 'refuse') throw escaped(`the symlink ${candidate.join('/')} points to ${target}`);
      resolved.length = 0;
    }
    const targetParts = splitPath(target);
    if (options.escape === 'refuse') {
      // A relative link that climbs out of the root is refused even where a later part would come back.
      let depth = resolved.length;
      for (const piece of targetParts) {
        depth += piece === '..' ? -1 : 1;
        if (depth < 0) throw escaped(`the symlink ${candidate.join('/')} points to ${target}`);
      }
    }
    pending.unshift(...targetParts);
  }
  return resolved.join('/');
}

/** Slash-separated parts without empty and `.` parts (`..` kept). */
export function splitPath(text: string): string[] {
  return text.split('/').filter((part) => part !== '' && part !== '.');
}

/** A clean slash-separated relative path ('' for the root), `..` folded; undefined when it climbs above the root. */
export function cleanRelative(text: string): string | undefined {
  const parts: string[] = [];
  for (const part of splitPath(text)) {
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** As cleanRelative, but `..` at the root stays at the root (a rootfs, where `/..` is `/`). */
export function clampRelative(text: string): string {
  const parts: string[] = [];
  for (const part of splitPath(text)) {
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}
