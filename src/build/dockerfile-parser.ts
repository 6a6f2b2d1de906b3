// Dockerfile text → raw instructions: parser directives, comments, line continuations and heredoc bodies.
import { UserError } from '../errors.js';
import { splitRawWords } from './word-expansion.js';

/** `# escape=` and `# syntax=` (and `# check=`), read from the top of the file. */
export interface ParserDirectives {
  escape: string;
  syntax?: string | undefined;
  check?: string | undefined;
}

/** A heredoc body that follows an instruction line (`RUN <<EOF`, `COPY <<EOF /dest`). */
export interface Heredoc {
  /** The delimiter word, without quotes. */
  name: string;
  /** The body, every line ending in a newline; leading tabs gone for `<<-`. */
  content: string;
  /** False when the delimiter was quoted (`<<'EOF'`): the body is taken literally. */
  expand: boolean;
  /** The file descriptor before `<<` (`3<<EOF`), when one was given. */
  fd?: number | undefined;
}

/** One instruction as written: the keyword, the rest of its logical line, and where it is. */
export interface RawInstruction {
  /** Upper-case keyword (`RUN`). */
  keyword: string;
  /** Everything after the keyword on the logical line (continuations joined), trimmed. */
  args: string;
  /** The logical line as written (continuations joined), for history and errors. */
  original: string;
  /** First and last physical line (1-based), heredoc bodies included. */
  line: number;
  endLine: number;
  heredocs: Heredoc[];
}

export interface ParsedDockerfile {
  directives: ParserDirectives;
  instructions: RawInstruction[];
  /** Things that do not stop the build (empty continuation lines). */
  warnings: { line: number; message: string }[];
}

const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_WORD = /^(\d*)<<(-?)(.*)$/;

/** Parse Dockerfile text. `file` names it in errors (`Dockerfile:12:1: ...`). */
export function parseDockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const errorAt = (line: number, message: string, hint?: string): UserError => new UserError(message, { position: { file, line, col: 1 }, hint });
  const { directives, next } = readDirectives(lines, errorAt);
  const escape = directives.escape;
  const instructions: RawInstruction[] = [];
  const warnings: ParsedDockerfile['warnings'] = [];
  let i = next;
  while (i < lines.length) {
    const first = (lines[i] ?? '').trimStart();
    const start = i + 1;
    i += 1;
    if (first === '' || first.startsWith('#')) continue;
    let logical = '';
    let piece = first;
    let emptyContinuation = false;
    for (;;) {
      const continued = continuation(piece, escape);
      if (continued === undefined) {
        logical += piece;
        break;
      }
      logical += continued;
      // Comments and blank lines inside a continued instruction are skipped, as Docker does.
      while (i < lines.length && isCommentOrBlank(lines[i] ?? '')) {
        if ((lines[i] ?? '').trim() === '') emptyContinuation = true;
        i += 1;
      }
      if (i >= lines.length) break;
      piece = lines[i] ?? '';
      i += 1;
    }
    if (emptyContinuation) warnings.push({ line: start, message: 'empty continuation line (a blank line inside an instruction continued with the escape character)' });
    const match = /^(\S+)\s*([\s\S]*)$/.exec(logical.trim());
    const keyword = (match?.[1] ?? '').toUpperCase();
    const args = (match?.[2] ?? '').trim();
    const instruction: RawInstruction = { keyword, args, original: logical.trim(), line: start, endLine: i, heredocs: [] };
    if (HEREDOC_INSTRUCTIONS.has(keyword)) {
      for (const marker of heredocMarkers(args, escape)) {
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const raw = lines[i] ?? '';
          i += 1;
          const bodyLine = marker.chomp ? raw.replace(/^\t+/, '') : raw;
          if (bodyLine === marker.name) {
            closed = true;
            break;
          }
          body.push(`${bodyLine}\n`);
        }
        if (!closed) {
          throw errorAt(start, `unterminated heredoc ${marker.name}: no line "${marker.name}" ends it`, `end the heredoc with a line holding only ${marker.name}`);
        }
        instruction.heredocs.push({ name: marker.name, content: body.join(''), expand: marker.expand, ...(marker.fd === undefined ? {} : { fd: marker.fd }) });
      }
      instruction.endLine = i;
    }
    instructions.push(instruction);
  }
  return { directives, instructions, warnings };
}

function readDirectives(
  lines: readonly string[],
  errorAt: (line: number, message: string, hint?: string) => UserError,
): { directives: ParserDirectives; next: number } {
  const directives: ParserDirectives = { escape: '\\' };
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i += 1) {
    const match = /^#\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[i] ?? '');
    const key = match?.[1]?.toLowerCase();
    if (!match || key === undefined || !KNOWN_DIRECTIVES.has(key)) break;
    if (seen.has(key)) throw errorAt(i + 1, `only one ${key} parser directive can be used`, 'remove the repeated directive');
    seen.add(key);
    const value = match[2] ?? '';
    if (key === 'escape') {
      if (value !== '\\' && value !== '`') throw errorAt(i + 1, `invalid escape token "${value}": expected \\ or \``, 'write "# escape=\\" or "# escape=`"');
      directives.escape = value;
    } else if (key === 'syntax') {
      directives.syntax = value;
    } else {
      directives.check = value;
    }
  }
  return { directives, next: i };
}

/** The line without its trailing escape character when it continues on the next line. */
function continuation(line: string, escape: string): string | undefined {
  const trimmed = line.replace(/[ \t]+$/, '');
  if (!trimmed.endsWith(escape)) return undefined;
  // An escaped escape character at the end (`\\`) is still a continuation in Docker's parser.
  return trimmed.slice(0, -1);
}

function isCommentOrBlank(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed === '' || trimmed.startsWith('#');
}

interface HeredocMarker {
  name: string;
  chomp: boolean;
  expand: boolean;
  fd?: number | undefined;
}

/** The `<<WORD` markers of an instruction line, in order (quoted words are not markers). */
export function heredocMarkers(args: string, escape = '\\'): HeredocMarker[] {
  const markers: HeredocMarker[] = [];
  for (const word of splitRawWords(args, escape)) {
    const match = HEREDOC_WORD.exec(word);
    if (!match) continue;
    let name = match[3] ?? '';
    let expand = true;
    const quoted = /^(["'])(.*)\1$/.exec(name);
    if (quoted) {
      name = quoted[2] ?? '';
      expand = false;
    }
    // `<<` followed by nothing usable (`a<<b` inside other syntax, `<<` alone) is not a heredoc.
    if (name === '' || /["'<>\s]/.test(name)) continue;
    markers.push({ name, chomp: match[2] === '-', expand, ...(match[1] ? { fd: Number(match[1]) } : {}) });
  }
  return markers;
}
