// Dockerfile word expansion: `$VAR`, `${VAR:-d}`, `${VAR:+a}` and friends, quotes and the escape character.
//
// Follows the Dockerfile shell lexer where users see the difference: single quotes are literal, double
// quotes expand variables and let the escape character escape only `"`, `$` and itself, an unset
// variable expands to '', and a `$` that starts no name stays a `$`.
import { ValueError } from '../errors.js';

/** The value of a variable, or undefined when it is not set (set-but-empty is ''). */
export type VariableLookup = (name: string) => string | undefined;

export interface ExpandOptions {
  /** `\` (default) or `` ` `` (the `# escape=` directive). */
  escape?: string;
  /** Called with every variable name the word refers to, set or not (for "build-arg not consumed"). */
  onVariable?: (name: string) => void;
}

/** One word with variables expanded and quotes removed. */
export function expandWord(word: string, lookup: VariableLookup, options: ExpandOptions = {}): string {
  const lexer = new WordLexer(word, lookup, options);
  return lexer.words(false).join('');
}

/**
 * Words with variables expanded and quotes removed, split on unquoted blanks (also blanks that an
 * unquoted variable's value brings in), as EXPOSE and VOLUME read their arguments.
 */
export function expandWords(text: string, lookup: VariableLookup, options: ExpandOptions = {}): string[] {
  return new WordLexer(text, lookup, options).words(true);
}

/** Split raw text on unquoted blanks, keeping quotes and escapes as they are (expansion comes later). */
export function splitRawWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (quote !== undefined) {
      word += char;
      if (char === escape && quote === '"' && i + 1 < text.length) word += text[++i] ?? '';
      else if (char === quote) quote = undefined;
    } else if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += char;
      if (char === escape && i + 1 < text.length) word += text[++i] ?? '';
      else if (char === '"' || char === "'") quote = char;
    }
  }
  if (word !== '') words.push(word);
  return words;
}

const BLANK = /[ \t\r\n]/;

class WordLexer {
  private at = 0;
  private readonly escape: string;

  constructor(
    private readonly text: string,
    private readonly lookup: VariableLookup,
    private readonly options: ExpandOptions,
  ) {
    this.escape = options.escape ?? '\\';
  }

  /** The whole text as words (`split`, empty words dropped) or as one piece. */
  words(split: boolean): string[] {
    const words: string[] = [];
    let word = '';
    const finish = (): void => {
      if (word !== '') words.push(word);
      word = '';
    };
    while (this.at < this.text.length) {
      const char = this.text[this.at] ?? '';
      if (split && BLANK.test(char)) {
        this.at += 1;
        finish();
      } else if (char === this.escape) {
        this.at += 1;
        word += this.at < this.text.length ? (this.text[this.at++] ?? '') : char;
      } else if (char === "'") {
        word += this.singleQuoted();
      } else if (char === '"') {
        word += this.doubleQuoted();
      } else if (char === '$') {
        const value = this.dollar();
        if (!split) {
          word += value;
          continue;
        }
        // An unquoted variable's value is split on blanks, as a shell would.
        value.split(/[ \t\r\n]+/).forEach((piece, index) => {
          if (index > 0) finish();
          word += piece;
        });
      } else {
        word += char;
        this.at += 1;
      }
    }
    if (!split) return [word];
    finish();
    return words;
  }

  private singleQuoted(): string {
    const end = this.text.indexOf("'", this.at + 1);
    if (end < 0) throw new ValueError(`unexpected end of statement while looking for matching single-quote in ${JSON.stringify(this.text)}`, "close the ' quote");
    const value = this.text.slice(this.at + 1, end);
    this.at = end + 1;
    return value;
  }

  private doubleQuoted(): string {
    let value = '';
    this.at += 1;
    while (this.at < this.text.length) {
      const char = this.text[this.at] ?? '';
      if (char === '"') {
        this.at += 1;
        return value;
      }
      if (char === '$') {
        value += this.dollar();
        continue;
      }
      if (char === this.escape) {
        const next = this.text[this.at + 1];
        // Inside double quotes only these can be escaped; other escapes stay as written.
        if (next === '"' || next === '$' || next === this.escape) {
          value += next;
          this.at += 2;
          continue;
        }
      }
      value += char;
      this.at += 1;
    }
    throw new ValueError(`unexpected end of statement while looking for matching double-quote in ${JSON.stringify(this.text)}`, 'close the " quote');
  }

  /** `$NAME`, `${NAME}`, `${NAME<modifier>word}`; `at` is on the `$`. */
  private dollar(): string {
    this.at += 1;
    const next = this.text[this.at];
    if (next === '{') {
      this.at += 1;
      return this.braced();
    }
    const name = this.name();
    if (name === '') return '$';
    return this.value(name) ?? '';
  }

  private name(): string {
    const first = this.text[this.at] ?? '';
    if (/[0-9]/.test(first)) {
      this.at += 1;
      return first;
    }
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.at));
    if (!match) return '';
    this.at += match[0].length;
    return match[0];
  }

  private value(name: string): string | undefined {
    this.options.onVariable?.(name);
    return this.lookup(name);
  }

  private braced(): string {
    const name = this.name();
    if (name === '') throw this.badSubstitution();
    const char = this.text[this.at];
    if (char === '}') {
      this.at += 1;
      return this.value(name) ?? '';
    }
    let modifier = char ?? '';
    this.at += 1;
    if (modifier === ':' || ((modifier === '#' || modifier === '%') && this.text[this.at] === modifier)) {
      modifier += this.text[this.at] ?? '';
      this.at += 1;
    }
    const word = this.untilBrace();
    const value = this.value(name);
    switch (modifier) {
      case ':-':
        return value === undefined || value === '' ? word() : value;
      case '-':
        return value === undefined ? word() : value;
      case ':+':
        return value === undefined || value === '' ? '' : word();
      case '+':
        return value === undefined ? '' : word();
      case ':?':
      case '?': {
        if (value !== undefined && (modifier === '?' || value !== '')) return value;
        const message = word();
        throw new ValueError(`${name}: ${message === '' ? 'is not allowed to be unset' : message}`, `give ${name} a value (--build-arg ${name}=...)`);
      }
      case '#':
      case '##':
        return removeAffix(value ?? '', word(), 'prefix', modifier === '##');
      case '%':
      case '%%':
        return removeAffix(value ?? '', word(), 'suffix', modifier === '%%');
      default:
        throw this.badSubstitution();
    }
  }

  /**
   * The word after a modifier, up to the closing `}` (nested `${...}` included); returned as a function
   * so it is expanded only when used (an error message nobody sees raises no error).
   */
  private untilBrace(): () => string {
    const start = this.at;
    let depth = 0;
    let quote: string | undefined;
    for (; this.at < this.text.length; this.at += 1) {
      const char = this.text[this.at];
      if (quote !== undefined) {
        if (char === this.escape && quote === '"') this.at += 1;
        else if (char === quote) quote = undefined;
      } else if (char === this.escape) {
        this.at += 1;
      } else if (char === "'" || char === '"') {
        quote = char;
      } else if (char === '$' && this.text[this.at + 1] === '{') {
        depth += 1;
        this.at += 1;
      } else if (char === '}') {
        if (depth === 0) break;
        depth -= 1;
      }
    }
    if (this.at >= this.text.length) throw new ValueError(`missing '}' in ${JSON.stringify(this.text)}`, 'close the ${...} with }');
    const inner = this.text.slice(start, this.at);
    this.at += 1;
    return () => new WordLexer(inner, this.lookup, this.options).words(false).join('');
  }

  private badSubstitution(): ValueError {
    return new ValueError(`bad substitution in ${JSON.stringify(this.text)}`, 'write ${NAME}, ${NAME:-default}, ${NAME:+alternative} or ${NAME:?error}');
  }
}

/** `${V#p}`/`${V##p}` and `${V%p}`/`${V%%p}`: drop the shortest (or longest) match of a glob at one end. */
function removeAffix(value: string, pattern: string, end: 'prefix' | 'suffix', longest: boolean): string {
  const whole = new RegExp(`^(?:${globSource(pattern)})$`);
  const lengths = Array.from({ length: value.length + 1 }, (_, i) => i);
  for (const length of longest ? lengths.reverse() : lengths) {
    const piece = end === 'prefix' ? value.slice(0, length) : value.slice(value.length - length);
    if (whole.test(piece)) return end === 'prefix' ? value.slice(length) : value.slice(0, value.length - length);
  }
  return value;
}

/** A shell glob (`*`, `?`, `[...]`) as regex source. */
function globSource(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] ?? '';
    if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = end;
      }
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return source;
}
