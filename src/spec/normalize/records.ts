// Small value shapers shared by the normalise steps: key order, maps, lists, scalars, paths.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { type KeyPath, type NormalizeScope, userError } from './context.js';
import { isPlainMap } from '../plain-object.js';

export type Doc = Record<string, unknown>;

export function defaultHomeDir(): string {
  return homedir();
}

/**
 * The order compose's YAML encoder (yaml.v3) gives map keys: rune by rune; two letters by code
 * point; a letter against a non-letter puts the non-letter first unless a digit run came just
 * before; runs of digits compare as numbers; a prefix sorts first.
 */
export function compareMapKeys(a: string, b: string): number {
  if (a === b) return 0;
  return keyLess(Array.from(a), Array.from(b)) ? -1 : 1;
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

function keyLess(ar: string[], br: string[]): boolean {
  let afterDigit = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) {
      afterDigit = DIGIT.test(ac);
      continue;
    }
    const aLetter = LETTER.test(ac);
    const bLetter = LETTER.test(bc);
    if (aLetter && bLetter) return ac < bc;
    if (aLetter || bLetter) return afterDigit ? aLetter : bLetter;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      // A zero inside a number that already started compares by value, not as a leading zero.
      for (let j = i - 1; j >= 0 && DIGIT.test(ar[j] as string); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && DIGIT.test(ar[ai] as string); ai++) an = an * 10 + digitValue(ar[ai] as string);
    let bi = i;
    for (; bi < br.length && DIGIT.test(br[bi] as string); bi++) bn = bn * 10 + digitValue(br[bi] as string);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ac < bc;
  }
  return ar.length < br.length;
}

function digitValue(char: string): number {
  return (char.codePointAt(0) ?? 48) - 48;
}

/** A copy of `record` with its keys in compose's printed order. */
export function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort(compareMapKeys)) out[key] = record[key] as T;
  return out;
}

/** A scalar as Go's fmt.Sprint prints it (compose stringifies map values this way). */
export function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return String(value);
}

/** A string or a list of strings (compose's StringList) → list; empty → undefined. */
export function stringList(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const list = Array.isArray(value) ? value.map(scalarText) : [scalarText(value)];
  return list.length > 0 ? list : undefined;
}

/**
 * compose's `Mapping`/`Labels`: a map (null → "") or a list of `key=value` (`key` alone → "").
 * Keys sorted; empty → undefined.
 */
export function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === null || value === undefined) return undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      const [key, text] = cutOnce(scalarText(item), '=');
      out[key] = text ?? '';
    }
  } else if (isPlainMap(value)) {
    for (const [key, item] of Object.entries(value)) out[key] = scalarText(item);
  }
  return Object.keys(out).length > 0 ? sortedRecord(out) : undefined;
}

/** `a=b=c` → [`a`, `b=c`]; no separator → [text, undefined]. */
export function cutOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

/** A whole number from a number or numeric text (interpolation leaves text). */
export function integerAt(scope: NormalizeScope, path: KeyPath, value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw userError(scope, path, `expected a whole number, found ${JSON.stringify(value)}`);
  }
  return number;
}

export function numberAt(scope: NormalizeScope, path: KeyPath, value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw userError(scope, path, `expected a number, found ${JSON.stringify(value)}`);
  }
  return number;
}

/** true/false, also from text left by interpolation (`"true"`, `"False"`, `"1"`) as Go's ParseBool. */
export function booleanAt(scope: NormalizeScope, path: KeyPath, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  }
  throw userError(scope, path, `expected true or false, found ${JSON.stringify(value)}`);
}

/** `~` or `~/x` → under the home directory (compose joins whatever follows `~`). */
export function expandHome(scope: NormalizeScope, path: string): string {
  return path.startsWith('~') ? join(scope.homeDir, path.slice(1)) : path;
}

/** compose's absPath: `~` expanded, absolute kept as written, relative joined to the project dir. */
export function projectPath(scope: NormalizeScope, path: string): string {
  const expanded = expandHome(scope, path);
  if (expanded === '' || isAbsolute(expanded)) return expanded;
  return resolve(scope.options.projectDir, expanded);
}

/** Set `out[key]` only when the value is present (compose's omitempty). */
export function put<T extends object, K extends keyof T>(out: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}

/**
 * Copy `x-*` keys of `from` onto `out`, sorted, after its own keys (compose prints them inline, last).
 * Their values are free-form maps to compose (Go maps), so their keys are sorted at every depth too.
 */
export function copyExtensions(from: Doc, out: object): void {
  const target = out as Doc;
  for (const key of Object.keys(from).sort(compareMapKeys)) {
    if (key.startsWith('x-')) target[key] = sortedDeep(from[key]);
  }
}

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Doc;
  return Object.fromEntries(
    Object.keys(record)
      .sort(compareMapKeys)
      .map((key) => [key, sortedDeep(record[key])]),
  );
}
