// Path patterns as Go reads them: filepath.Match for COPY sources, and the `**` form of .dockerignore.
import { ValueError } from '../errors.js';

const REGEX_SPECIAL = /[.+()|{}$^]/;

/** True when `text` holds a wildcard that filepath.Match treats specially. */
export function hasWildcard(text: string): boolean {
  return /[*?[]/.test(text);
}

/**
 * Go's filepath.Match: `*` is any run of non-`/` characters, `?` one of them, `[a-z]` and `[^a-z]`
 * classes, `\c` a literal c. The whole name must match. A malformed pattern is a ValueError.
 */
export function matchPath(pattern: string, name: string): boolean {
  return compilePathPattern(pattern).test(name);
}

const compiled = new Map<string, RegExp>();

export function compilePathPattern(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${patternSource(pattern, false)}$`, 's');
    compiled.set(pattern, regex);
  }
  return regex;
}

/** The .dockerignore form: as filepath.Match, plus `**` for any number of directories (none included). */
export function compileIgnorePattern(pattern: string): RegExp {
  return new RegExp(`^${patternSource(pattern, true)}$`, 's');
}

function patternSource(pattern: string, doubleStar: boolean): string {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] ?? '';
    if (char === '*') {
      if (doubleStar && pattern[i + 1] === '*') {
        i += 1;
        // `**/` is `**`: the slash is part of what it matches.
        if (pattern[i + 1] === '/') i += 1;
        source += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '\\') {
      i += 1;
      const next = pattern[i];
      if (next === undefined) throw badPattern(pattern);
      source += escapeRegex(next);
    } else if (char === '[') {
      const { source: klass, end } = characterClass(pattern, i);
      source += klass;
      i = end;
    } else {
      source += escapeRegex(char);
    }
  }
  return source;
}

/** `[...]` at `start` as a regex class (like Go, a class may match `/`); returns the index of its `]`. */
function characterClass(pattern: string, start: number): { source: string; end: number } {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '^') {
    negate = true;
    i += 1;
  }
  let body = '';
  let items = 0;
  for (;; i += 1) {
    const char = pattern[i];
    if (char === undefined) throw badPattern(pattern);
    if (char === ']' && items > 0) break;
    let low = char;
    if (char === '\\') {
      i += 1;
      low = pattern[i] ?? '';
      if (low === '') throw badPattern(pattern);
    }
    let item = escapeClassChar(low);
    if (pattern[i + 1] === '-' && pattern[i + 2] !== ']' && pattern[i + 2] !== undefined) {
      i += 2;
      let high = pattern[i] ?? '';
      if (high === '\\') {
        i += 1;
        high = pattern[i] ?? '';
      }
      if (high === '' || high < low) throw badPattern(pattern);
      item += `-${escapeClassChar(high)}`;
    }
    body += item;
    items += 1;
  }
  return { source: negate ? `[^${body}]` : `[${body}]`, end: i };
}

function escapeRegex(char: string): string {
  return REGEX_SPECIAL.test(char) || char === '*' || char === '?' || char === '[' || char === ']' || char === '\\' ? `\\${char}` : char;
}

function escapeClassChar(char: string): string {
  return /[\]\\^-]/.test(char) ? `\\${char}` : char;
}

function badPattern(pattern: string): ValueError {
  return new ValueError(`syntax error in pattern "${pattern}"`, 'close every [ with ], and escape a literal [ with \\[');
}
