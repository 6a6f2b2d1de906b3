// Split a string `command:`/`entrypoint:` into argv the way compose does (go-shellwords, no env, no backticks).
import { ValueError } from '../../errors.js';

export interface ShellWords {
  words: string[];
  /** Set when an unquoted `;`, `&`, `|`, `<` or `>` ended the parse: compose drops the rest. */
  droppedFrom?: number;
}

/**
 * Quotes group, a backslash escapes (`\t`, `\n` become tab and newline) except inside single quotes,
 * whitespace separates. Like go-shellwords, reading STOPS at the first unquoted shell operator, and
 * `(`/`)` outside quotes are errors except in `$( ... )`, which is kept as text.
 */
export function splitShellWords(line: string): ShellWords {
  const words: string[] = [];
  let word = '';
  let started = false;
  let escaped = false;
  let single = false;
  let double = false;
  let backQuote = false;
  let dollar = false;
  let droppedFrom: number | undefined;
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    let char = chars[i] as string;
    if (escaped) {
      if (char === 't') char = '\t';
      else if (char === 'n') char = '\n';
      word += char;
      escaped = false;
      started = true;
      continue;
    }
    if (char === '\\') {
      if (single) word += char;
      else escaped = true;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r' || char === '\n') {
      if (single || double || backQuote || dollar) word += char;
      else if (started) {
        words.push(word);
        word = '';
        started = false;
      }
      continue;
    }
    const quoted = single || double;
    if (char === '`' && !quoted && !dollar) backQuote = !backQuote;
    else if (char === ')' && !quoted && !backQuote) {
      if (!dollar)
        throw new ValueError('invalid command line: unmatched ")"', 'quote it, or use the list form');
      dollar = false;
    } else if (char === '(' && !quoted && !backQuote) {
      if (dollar || !word.endsWith('$')) {
        throw new ValueError('invalid command line: unexpected "("', 'quote it, or use the list form');
      }
      dollar = true;
    } else if (char === '"' && !single && !dollar) {
      double = !double;
      started = true;
      continue;
    } else if (char === "'" && !double && !dollar) {
      single = !single;
      started = true;
      continue;
    } else if (';&|<>'.includes(char) && !(single || double || backQuote || dollar)) {
      // `2>file`: the digits belong to the redirection, not to the words.
      if (char === '>' && /^[0-9]/.test(word)) started = false;
      droppedFrom = i;
      break;
    }
    word += char;
    started = true;
  }
  if (started) words.push(word);
  if (escaped || single || double || backQuote || dollar) {
    throw new ValueError(
      'invalid command line: unterminated quote or escape',
      'close the quote, or use the list form',
    );
  }
  return droppedFrom === undefined ? { words } : { words, droppedFrom };
}
