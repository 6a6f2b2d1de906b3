// Reads dotenv files (`.env`, `--env-file`, `env_file:`) the way docker compose parses them.
//
// The default format is compose-go's dotenv: `KEY=VAL`, `KEY: VAL`, `export KEY=VAL`, `#` comments,
// ` #` comments after unquoted values, 'literal' and "escaped, multiline" values, a bare `KEY`
// inherited from the lookup, and `${}` interpolation in unquoted and double-quoted values. The raw
// format (`format: raw`) is docker's `--env-file` parser: one `KEY=VALUE` per line, kept verbatim.
import { readFile, stat } from 'node:fs/promises';
import { type SourcePosition, UserError, ValueError } from '../errors.js';
import { type EnvLookup, substitute } from './interpolate.js';
import { decodeUtf8 } from './parse-yaml.js';

export interface EnvFileOptions {
  /** Variables from outside the file; they win over the file's own earlier keys in `${}`, as in compose. */
  lookup?: EnvLookup | undefined;
  /** Parse as compose's `format: raw`: no quotes, no escapes, no interpolation. */
  raw?: boolean | undefined;
  /**
   * Parse into this map instead of a new one (compose parses several files into one map, so a file
   * sees the keys of the files before it). Its entries are consulted after `lookup`.
   */
  into?: Map<string, string> | undefined;
}

/** Parse dotenv text. `file` names the file in error positions. Keys keep their first-seen order. */
export function parseEnvFile(text: string, file: string, options: EnvFileOptions = {}): Map<string, string> {
  const out = options.into ?? new Map<string, string>();
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const resolve: EnvLookup = (name) => options.lookup?.(name) ?? out.get(name);
  if (options.raw) parseRaw(body, file, out, resolve);
  else new DotenvParser(body, file, out, resolve).parse();
  return out;
}

export interface ReadEnvFileOptions extends EnvFileOptions {
  /** When false, a missing file reads as empty (compose's `required: false`). Default true. */
  required?: boolean | undefined;
}

/** Read and parse the env file at the absolute `path`. */
export async function readEnvFile(
  path: string,
  options: ReadEnvFileOptions = {},
): Promise<Map<string, string>> {
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) {
      throw new UserError(`env file ${path} is a directory`, {
        hint: 'point env_file at a file, not a folder',
      });
    }
    // Not UTF-8: an error, not values quietly changed to U+FFFD.
    text = decodeUtf8(await readFile(path), path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (options.required === false) return options.into ?? new Map();
      throw new UserError(`env file ${path} not found`, {
        hint: 'create the file, fix the path, or mark it optional with `required: false`',
        reason: 'missing-file',
      });
    }
    throw new UserError(`cannot read env file ${path}: ${(error as Error).message}`, {
      hint: 'check the file permissions',
    });
  }
  return parseEnvFile(text, path, options);
}

// --- compose's dotenv format -----------------------------------------------------------------------

/** Spaces compose skips around keys and `=` (Go's isSpace in dotenv/parser.go): never a newline. */
const INLINE_SPACE = new Set(['\t', '\v', '\f', '\r', ' ', '\u0085', '\u00A0']);
/** Go's unicode.IsSpace. */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;
const KEY_PUNCTUATION = new Set(['_', '.', '-', '[', ']']);
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;
const EXPORT_PREFIX = /export[\t\n\f\r ]+/y;
/** Escapes that compose expands in double-quoted values; anything else keeps its backslash. */
const ESCAPE_SEQUENCE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

class DotenvParser {
  private at = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly out: Map<string, string>,
    private readonly resolve: EnvLookup,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  parse(): void {
    while (this.skipToStatement()) this.statement();
  }

  /** Skip blank space and comment lines; false at the end of the text. */
  private skipToStatement(): boolean {
    const { text } = this;
    for (;;) {
      while (this.at < text.length && GO_SPACE.test(text[this.at] as string)) this.at++;
      if (this.at >= text.length) return false;
      if (text[this.at] !== '#') return true;
      const newline = text.indexOf('\n', this.at);
      if (newline < 0) return false;
      this.at = newline;
    }
  }

  private statement(): void {
    const { text } = this;
    EXPORT_PREFIX.lastIndex = this.at;
    if (EXPORT_PREFIX.test(text)) {
      this.at += 'export'.length;
      this.skipInlineSpace();
    }
    const keyStart = this.at;
    let separator = -1;
    for (let i = keyStart; i < text.length; ) {
      const c = String.fromCodePoint(text.codePointAt(i) as number);
      if (c === '=' || c === ':' || c === '\n') {
        separator = i;
        break;
      }
      if (!INLINE_SPACE.has(c) && !KEY_PUNCTUATION.has(c) && !LETTER_OR_NUMBER.test(c)) {
        const lineEnd = text.indexOf('\n', keyStart);
        const line = text.slice(keyStart, lineEnd < 0 ? text.length : lineEnd);
        throw this.error(
          `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(line)}`,
          i,
          {
            hint: 'write KEY=VALUE; names may use letters, digits, "_", ".", "-", "[" and "]"',
          },
        );
      }
      i += c.length;
    }
    const keyEnd = separator < 0 ? text.length : separator;
    const key = trimGoSpaceEnd(text.slice(keyStart, keyEnd));
    if (/[\t\v\f\r \u0085\u00A0]/.test(key)) {
      throw this.error(`variable name ${JSON.stringify(key)} cannot contain a space`, keyStart, {
        hint: 'write KEY=VALUE, one per line; quote values that contain spaces',
      });
    }
    // A bare `KEY` takes its value from the environment, or is left out when it is unset. (compose
    // keys a bare name on the very last line without a newline as ""; we read it as a bare name too.)
    if (separator < 0 || text[separator] === '\n') {
      const inherited = this.resolve(key);
      if (inherited !== undefined) this.out.set(key, inherited);
      this.at = separator < 0 ? text.length : separator + 1;
      return;
    }
    this.at = separator + 1;
    this.skipInlineSpace();
    const quote = text[this.at];
    const value = quote === '"' || quote === "'" ? this.quotedValue(quote) : this.unquotedValue();
    this.out.set(key, value);
  }

  private unquotedValue(): string {
    const { text } = this;
    const start = this.at;
    const newline = text.indexOf('\n', start);
    const lineEnd = newline < 0 ? text.length : newline;
    let value = text.slice(start, lineEnd);
    const comment = value.indexOf(' #');
    if (comment >= 0) value = value.slice(0, comment);
    this.at = newline < 0 ? text.length : newline + 1;
    return this.interpolate(trimGoSpaceEnd(value), start);
  }

  /** A quoted value: `\` + the quote keeps the quote; any other escape is kept for later. */
  private quotedValue(quote: '"' | "'"): string {
    const { text } = this;
    const start = this.at;
    let chars = '';
    let escaped = false;
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i] as string;
      if (c === quote && !escaped) {
        this.at = i + 1;
        return quote === '"' ? this.interpolate(expandEscapes(chars), start) : chars;
      }
      if (c === '\\' && !escaped) {
        escaped = true;
        continue;
      }
      if (escaped && c !== quote) chars += '\\';
      escaped = false;
      chars += c;
    }
    const newline = text.indexOf('\n', start);
    const shown = text.slice(start, newline < 0 ? text.length : newline);
    throw this.error(`unterminated quoted value ${shown}`, start, {
      hint: `close the value with ${quote}, or escape a ${quote} inside it as \\${quote}`,
    });
  }

  private interpolate(value: string, start: number): string {
    try {
      return substitute(value, this.resolve);
    } catch (error) {
      if (error instanceof ValueError) throw this.error(error.message, start, { hint: error.hint });
      throw error;
    }
  }

  private skipInlineSpace(): void {
    while (this.at < this.text.length && INLINE_SPACE.has(this.text[this.at] as string)) this.at++;
  }

  private position(index: number): SourcePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.lineStarts[middle] as number) <= index) low = middle;
      else high = middle - 1;
    }
    return { file: this.file, line: low + 1, col: index - (this.lineStarts[low] as number) + 1 };
  }

  private error(message: string, index: number, details: { hint?: string | undefined }): UserError {
    return new UserError(message, { position: this.position(index), hint: details.hint });
  }
}

/**
 * Expand the escapes of a double-quoted value. `\$` becomes `$$` so interpolation leaves a literal
 * `$`; `\0NNN` is an octal byte as in XSI echo; escapes compose does not know stay as written.
 */
function expandEscapes(value: string): string {
  return value.replace(ESCAPE_SEQUENCE, (match) => {
    const c = match[1] as string;
    if (c === '$') return '$$';
    if (c === '0') {
      // Go's UnquoteChar needs exactly three octal digits after the (dropped) 0, at most \377.
      const digits = match.slice(2);
      if (!/^[0-7]{3}$/.test(digits)) return match;
      const code = Number.parseInt(digits, 8);
      return code > 0xff ? match : String.fromCharCode(code);
    }
    return SIMPLE_ESCAPES[c] ?? match;
  });
}

function trimGoSpaceEnd(value: string): string {
  let end = value.length;
  while (end > 0 && GO_SPACE.test(value[end - 1] as string)) end--;
  return value.slice(0, end);
}

// --- docker's raw --env-file format ----------------------------------------------------------------

function parseRaw(text: string, file: string, out: Map<string, string>, resolve: EnvLookup): void {
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const withoutCr = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    let leading = 0;
    while (leading < withoutCr.length && GO_SPACE.test(withoutCr[leading] as string)) leading++;
    const line = withoutCr.slice(leading);
    if (line === '' || line.startsWith('#')) return;
    const position: SourcePosition = { file, line: index + 1, col: leading + 1 };
    const equals = line.indexOf('=');
    const key = equals < 0 ? line : line.slice(0, equals);
    if (key === '') {
      throw new UserError(`no variable name on line '${line}'`, { position, hint: 'write KEY=VALUE' });
    }
    if (/[ \t]/.test(key)) {
      throw new UserError(`variable '${key}' contains whitespaces`, {
        position,
        hint: 'names cannot contain spaces; the raw format keeps everything after "=" as the value',
      });
    }
    if (equals >= 0) {
      out.set(key, line.slice(equals + 1));
      return;
    }
    const inherited = resolve(key);
    if (inherited !== undefined) out.set(key, inherited);
  });
}
