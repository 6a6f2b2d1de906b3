// .dockerignore: which paths of the build context a build never sees (`**` patterns, `!` exceptions, last match wins).
import path from 'node:path';
import { ValueError } from '../errors.js';
import { compileIgnorePattern } from './path-pattern.js';

interface IgnorePattern {
  text: string;
  exception: boolean;
  regex: RegExp;
}

/** The patterns of a .dockerignore file, in order; `matches` says whether a context path is left out. */
export class IgnoreMatcher {
  private readonly patterns: IgnorePattern[];

  constructor(lines: readonly string[]) {
    this.patterns = lines.map((text) => {
      const exception = text.startsWith('!');
      const body = exception ? text.slice(1) : text;
      if (body === '') throw new ValueError(`illegal exclusion pattern: "${text}"`, 'write ! followed by a path pattern');
      return { text, exception, regex: compileIgnorePattern(body) };
    });
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether any `!` pattern exists: an excluded directory may then still hold paths that are not. */
  get hasExceptions(): boolean {
    return this.patterns.some((pattern) => pattern.exception);
  }

  /**
   * True when `relative` (slash-separated, no leading `/`) is excluded: the last pattern that matches
   * it, or one of its parent directories, decides.
   */
  matches(relative: string): boolean {
    const parents = parentPaths(relative);
    let excluded = false;
    for (const pattern of this.patterns) {
      // A pattern that cannot change the answer is not evaluated.
      if (pattern.exception !== excluded) continue;
      const hit = pattern.regex.test(relative) || parents.some((parent) => pattern.regex.test(parent));
      if (hit) excluded = !pattern.exception;
    }
    return excluded;
  }
}

/** The patterns of .dockerignore text: comments and blank lines dropped, paths cleaned and made relative. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const exception = pattern.startsWith('!');
    if (exception) pattern = pattern.slice(1).trim();
    if (pattern !== '') {
      pattern = path.posix.normalize(pattern);
      if (pattern.length > 1 && pattern.endsWith('/')) pattern = pattern.slice(0, -1);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
      if (pattern === './' || pattern === '') pattern = '.';
    }
    patterns.push(exception ? `!${pattern}` : pattern);
  }
  return patterns;
}

/** `a`, `a/b` for `a/b/c`: the directories above a relative path. */
function parentPaths(relative: string): string[] {
  const parts = relative.split('/');
  const parents: string[] = [];
  for (let i = 1; i < parts.length; i += 1) parents.push(parts.slice(0, i).join('/'));
  return parents;
}
