// Splits a string `command`/`entrypoint` into argv the way compose does (mattn/go-shellwords).
//
// No variables, no globbing, no command substitution is run: quotes group, a backslash escapes the
// next character (also inside double quotes; literal inside single quotes), blanks separate words.
// Like go-shellwords, parsing STOPS without error at an unquoted `;`, `&`, `|`, `<` or `>`, dropping
// the rest (`echo a && echo b` gives [echo, a]); `parseShellWords` reports that rest so callers can warn.
// `$(...)` and backquotes are kept as text; an unclosed quote or a trailing backslash is an error.
import { ValueError } from '../../errors.js';

export interface ShellWords {
  words: string[];
  /** The text compose silently ignores, from the operator on (`&& echo b`); undefined when none. */
  ignoredRest: string | undefined;
}

export function splitShellWords(text: string): string[] {
  return parseShellWords(text).words;
}

export function parseShellWords(text: string): ShellWords {
  const words: string[] = [];
  let word = '';
  let hasWord = false;
  let escaped = false;
  let single = false;
  let double = false;
  let backQuote = false;
  let dollarQuote = false;
  let ignoredRest: string | undefined;

  const chars = [...text];
  let offset = 0; // UTF-16 offset of chars[i], for slicing the ignored rest
  for (let i = 0; i < chars.length; offset += chars[i]?.length ?? 0, i++) {
    const char = chars[i] ?? '';
    if (escaped) {
      word += char;
      escaped = false;
      hasWord = true;
      continue;
    }
    if (char === '\\') {
      if (single) word += char;
      else escaped = true;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r' || char === '\n') {
      if (single || double || backQuote || dollarQuote) word += char;
      else if (hasWord) {
        words.push(word);
        word = '';
        hasWord = false;
      }
      continue;
    }
    const unquoted = !single && !double;
    if (char === '`' && unquoted && !dollarQuote) {
      backQuote = !backQuote;
    } else if (char === ')' && unquoted && !backQuote) {
      dollarQuote = !dollarQuote;
    } else if (char === '(' && unquoted && !backQuote) {
      if (dollarQuote || !word.endsWith('$')) throw unparsable(text, 'a "(" outside quotes');
      dollarQuote = true;
    } else if (char === '"' && !single && !dollarQuote) {
      if (double) hasWord = true;
      double = !double;
      continue;
    } else if (char === "'" && !double && !dollarQuote) {
      if (single) hasWord = true;
      single = !single;
      continue;
    } else if (';&|<>'.includes(char) && unquoted && !backQuote && !dollarQuote) {
      // `2>file`: the descriptor number belongs to the redirection, not to the words.
      if (char === '>' && /^[0-9]/.test(word)) hasWord = false;
      ignoredRest = text.slice(offset);
      break;
    }
    hasWord = true;
    word += char;
  }
  if (hasWord) words.push(word);

  if (escaped) throw unparsable(text, 'it ends with a lone backslash');
  if (single) throw unparsable(text, "a single quote (') is not closed");
  if (double) throw unparsable(text, 'a double quote (") is not closed');
  if (backQuote) throw unparsable(text, 'a backquote (`) is not closed');
  if (dollarQuote) throw unparsable(text, 'a "$(" or ")" is not matched');
  return { words, ignoredRest };
}

function unparsable(text: string, why: string): ValueError {
  return new ValueError(
    `cannot split command "${text}" into words: ${why}`,
    'quote the text, or write the command as a list: ["sh", "-c", "..."]',
  );
}
