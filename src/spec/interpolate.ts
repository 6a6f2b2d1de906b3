// Interpolation phase: `${VAR}` and friends in every string value of a compose document, as compose does.
//
// `substitute` follows compose-go's template package to the letter where users can see the difference:
// a braced expression with a modifier (`${A:-x}`) extends to the last `}` on its line and is then cut
// at the brace that closes the first `{` (so `${A:-{"a":1}}` keeps its inner braces), `$` before a
// character that cannot start a name stays as it is, and defaults, alternates and error messages are
// themselves interpolated only when they are used.
import { formatKeyPath, type SourcePosition, UserError, ValueError, type Warning } from '../errors.js';
import { castAtPath } from './interpolation-casts.js';
import { isPlainMap, setKey } from './plain-object.js';
import { copyPositions, keyPosition, valuePosition } from './source-position.js';
import { isOverrideTag, isResetTag, OverrideTag } from './yaml-tags.js';

/** The value of a variable, or undefined when it is not set (set-but-empty is `''`). */
export type EnvLookup = (name: string) => string | undefined;

export interface SubstituteOptions {
  /** Called for each `$VAR`/`${VAR}` whose variable is unset (compose warns and uses ''). */
  onUnset?: ((name: string) => void) | undefined;
}

const ESCAPE_HINT = 'you may need to escape any $ with another $ ("$$")';

/** Replace every variable reference in `template`; throws ValueError for bad syntax or a failed `?`. */
export function substitute(template: string, lookup: EnvLookup, options: SubstituteOptions = {}): string {
  let out = '';
  let at = 0;
  while (at < template.length) {
    const dollar = template.indexOf('$', at);
    if (dollar < 0) break;
    out += template.slice(at, dollar);
    const next = template[dollar + 1];
    if (next === '$') {
      out += '$';
      at = dollar + 2;
    } else if (next !== undefined && isNameStart(next)) {
      const end = nameEnd(template, dollar + 1);
      out += plainValue(template.slice(dollar + 1, end), lookup, options);
      at = end;
    } else if (next === '{') {
      const braced = matchBraced(template, dollar);
      if (!braced) {
        throw new ValueError(`invalid interpolation format in ${JSON.stringify(template)}`, ESCAPE_HINT);
      }
      out += braced.modifier
        ? applyModifier(braced.name, braced.modifier, braced.argument, lookup, options)
        : plainValue(braced.name, lookup, options);
      at = braced.end;
    } else {
      // `$` before anything else (a space, a digit, `}`, the end) is literal, as in compose.
      out += '$';
      at = dollar + 1;
    }
  }
  return out + template.slice(at);
}

type Modifier = ':-' | '-' | ':+' | '+' | ':?' | '?';

interface BracedReference {
  name: string;
  modifier: Modifier | undefined;
  /** The text after the modifier: a default, an alternate or an error message (not yet interpolated). */
  argument: string;
  /** Index just after the reference. */
  end: number;
}

/** `${NAME}` or `${NAME<modifier>...}` starting at `dollar`, or undefined when it is malformed. */
function matchBraced(template: string, dollar: number): BracedReference | undefined {
  const nameStart = dollar + 2;
  const first = template[nameStart];
  if (first === undefined || !isNameStart(first)) return undefined;
  const afterName = nameEnd(template, nameStart);
  const name = template.slice(nameStart, afterName);
  if (template[afterName] === '}') return { name, modifier: undefined, argument: '', end: afterName + 1 };

  let modifier: Modifier;
  const c = template[afterName];
  const d = template[afterName + 1];
  if (c === ':' && (d === '-' || d === '+' || d === '?')) modifier = `:${d}`;
  else if (c === '-' || c === '+' || c === '?') modifier = c;
  else return undefined;
  const argumentStart = afterName + modifier.length;

  // compose's pattern takes everything up to the last `}` of the line...
  let lineEnd = template.indexOf('\n', argumentStart);
  if (lineEnd < 0) lineEnd = template.length;
  const lastBrace = lineEnd > argumentStart ? template.lastIndexOf('}', lineEnd - 1) : -1;
  if (lastBrace < argumentStart) return undefined;
  // ...then cuts it at the brace closing the first `{`, when there is one.
  const closing = closingBraceOffset(template.slice(dollar, lastBrace + 1));
  const end = closing < 0 ? lastBrace + 1 : dollar + closing + 1;
  return { name, modifier, argument: template.slice(argumentStart, end - 1), end };
}

/**
 * Offset of the `}` that brings the brace depth back to zero, or -1. Like compose, the character right
 * after each `{` is skipped, which matters only for oddities such as `{}` inside a default.
 */
function closingBraceOffset(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
    if (text[i] === '{') {
      depth++;
      i++;
    }
  }
  return -1;
}

function applyModifier(
  name: string,
  modifier: Modifier,
  argument: string,
  lookup: EnvLookup,
  options: SubstituteOptions,
): string {
  const value = lookup(name);
  const isSet = value !== undefined;
  const nonEmpty = isSet && value !== '';
  switch (modifier) {
    case ':-':
      return nonEmpty ? value : substitute(argument, lookup, options);
    case '-':
      return isSet ? value : substitute(argument, lookup, options);
    case ':+':
      return nonEmpty ? substitute(argument, lookup, options) : (value ?? '');
    case '+':
      return isSet ? substitute(argument, lookup, options) : '';
    case ':?':
      if (nonEmpty) return value;
      throw missingRequired(name, substitute(argument, lookup, options));
    case '?':
      if (isSet) return value;
      throw missingRequired(name, substitute(argument, lookup, options));
  }
}

function missingRequired(name: string, reason: string): ValueError {
  const message = `required variable ${name} is missing a value${reason ? `: ${reason}` : ''}`;
  return new ValueError(message, `set ${name} in the environment or in the .env file`);
}

function plainValue(name: string, lookup: EnvLookup, options: SubstituteOptions): string {
  const value = lookup(name);
  if (value !== undefined) return value;
  options.onUnset?.(name);
  return '';
}

function isNameStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function nameEnd(template: string, start: number): number {
  let end = start;
  while (end < template.length) {
    const c = template[end] as string;
    if (!isNameStart(c) && !(c >= '0' && c <= '9')) break;
    end++;
  }
  return end;
}

// --- documents ---------------------------------------------------------------------------------

export interface InterpolateOptions {
  /** Convert strings at compose's typed paths to numbers and booleans (default true). */
  castTypes?: boolean | undefined;
  /** Receives one warning per unset variable and per YAML 1.1 boolean spelling. */
  warnings?: Warning[] | undefined;
  /** Path of `document` inside a larger one (e.g. `['services', 'web']` for an extended service). */
  basePath?: readonly (string | number)[] | undefined;
}

type PathPart = string | number;

interface Walk {
  lookup: EnvLookup;
  castTypes: boolean;
  warnings: Warning[] | undefined;
  warnedUnset: Set<string>;
  errors: UserError[];
}

/**
 * Substitute every string value (never keys) of a parsed document and cast typed paths. Returns new
 * containers carrying the positions of the old ones; reports every failure at once (the first error
 * carries the others in `related`).
 */
export function interpolateDocument(
  document: unknown,
  lookup: EnvLookup,
  options: InterpolateOptions = {},
): unknown {
  const walk: Walk = {
    lookup,
    castTypes: options.castTypes ?? true,
    warnings: options.warnings,
    warnedUnset: new Set(),
    errors: [],
  };
  const rootPosition = isObject(document) ? valuePosition(document) : undefined;
  const result = interpolateValue(document, [...(options.basePath ?? [])], rootPosition, walk);
  if (walk.errors.length > 0) throw UserError.combine(walk.errors);
  return result;
}

function interpolateValue(
  value: unknown,
  path: PathPart[],
  position: SourcePosition | undefined,
  walk: Walk,
): unknown {
  if (typeof value === 'string') return interpolateString(value, path, position, walk);
  if (isResetTag(value)) return value;
  if (isOverrideTag(value)) return new OverrideTag(interpolateValue(value.value, path, position, walk));
  if (Array.isArray(value)) {
    const list = value.map((item, index) =>
      interpolateValue(item, [...path, index], keyPosition(value, index) ?? position, walk),
    );
    copyPositions(value, list);
    return list;
  }
  if (isPlainMap(value)) {
    const map: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const interpolated = interpolateValue(item, [...path, key], keyPosition(value, key) ?? position, walk);
      setKey(map, key, interpolated);
    }
    copyPositions(value, map);
    return map;
  }
  return value;
}

function interpolateString(
  value: string,
  path: PathPart[],
  position: SourcePosition | undefined,
  walk: Walk,
): unknown {
  const keyPath = formatKeyPath(path);
  let substituted: string;
  try {
    substituted = substitute(value, walk.lookup, {
      onUnset: (name) => {
        if (walk.warnedUnset.has(name)) return;
        walk.warnedUnset.add(name);
        walk.warnings?.push({
          message: `the "${name}" variable is not set, defaulting to a blank string`,
          position,
          keyPath,
        });
      },
    });
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    walk.errors.push(new UserError(error.message, { position, keyPath, hint: error.hint }));
    return value;
  }
  if (!walk.castTypes) return substituted;
  try {
    return castAtPath(path, substituted, (message) => walk.warnings?.push({ message, position, keyPath }));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    walk.errors.push(new UserError(error.message, { position, keyPath, hint: error.hint }));
    return substituted;
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
