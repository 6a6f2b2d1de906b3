// Raw instructions → typed instructions: flags, exec and shell forms, NAME=value pairs; errors name Dockerfile:line.
import { UserError, ValueError } from '../errors.js';
import { suggest } from '../spec/did-you-mean.js';
import { parseDurationNanoseconds } from '../spec/syntax/duration.js';
import { parseDockerfile, type ParsedDockerfile, type RawInstruction } from './dockerfile-parser.js';
import {
  INSTRUCTION_KEYWORDS, type CommandForm, type CopyInstruction, type HealthcheckInstruction, type Instruction, type InstructionSource, type RawPair,
} from './instruction-types.js';
import { splitRawWords } from './word-expansion.js';

/** A Dockerfile read and checked: directives, instructions in order, warnings. */
export interface Dockerfile {
  file: string;
  escape: string;
  syntax?: string | undefined;
  instructions: Instruction[];
  warnings: { line: number; message: string }[];
}

type FlagValues = Map<string, string[]>;

const FLAGS: Record<string, readonly string[]> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security'],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};
const REPEATABLE_FLAGS = new Set(['mount', 'exclude']);
const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NOT_ONBUILD_TRIGGERS = new Set(['ONBUILD', 'FROM', 'MAINTAINER']);

/** Parse and check a whole Dockerfile; the first mistake is thrown as a UserError at `file:line`. */
export function readDockerfile(text: string, file = 'Dockerfile'): Dockerfile {
  const parsed: ParsedDockerfile = parseDockerfile(text, file);
  const escape = parsed.directives.escape;
  const instructions = parsed.instructions.map((raw) => parseInstruction(raw, file, escape));
  const firstFrom = instructions.findIndex((instruction) => instruction.kind === 'FROM');
  const beforeFrom = instructions.slice(0, firstFrom < 0 ? instructions.length : firstFrom).find((instruction) => instruction.kind !== 'ARG');
  if (beforeFrom) {
    throw new UserError(`${beforeFrom.kind} before the first FROM: only ARG may come before it`, {
      position: { file, line: beforeFrom.line, col: 1 },
      hint: 'start the Dockerfile with FROM <image> (or FROM scratch)',
    });
  }
  if (firstFrom < 0) {
    throw new UserError('the Dockerfile has no FROM instruction: there is no build stage', { position: { file, line: 1, col: 1 }, hint: 'start it with FROM <image> (or FROM scratch)' });
  }
  return { file, escape, syntax: parsed.directives.syntax, instructions, warnings: parsed.warnings };
}

/** One raw instruction as a typed one. */
export function parseInstruction(raw: RawInstruction, file: string, escape = '\\'): Instruction {
  try {
    return parseChecked(raw, escape);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { position: { file, line: raw.line, col: 1 }, hint: error.hint });
    throw error;
  }
}

function parseChecked(raw: RawInstruction, escape: string): Instruction {
  const source: InstructionSource = { line: raw.line, endLine: raw.endLine, original: raw.original };
  const keyword = raw.keyword;
  if (!(INSTRUCTION_KEYWORDS as readonly string[]).includes(keyword)) {
    const close = suggest(keyword, INSTRUCTION_KEYWORDS);
    throw new ValueError(`unknown instruction: ${keyword}`, close ? `did you mean ${close}?` : `instructions are ${INSTRUCTION_KEYWORDS.join(', ')}`);
  }
  const { flags, rest } = extractFlags(keyword, raw.args, escape);
  switch (keyword) {
    case 'FROM':
      return { kind: 'FROM', ...source, ...fromArgs(rest), platform: single(flags, 'platform') };
    case 'RUN': {
      if (rest === '') throw new ValueError('RUN requires at least one argument', 'for example: RUN make install');
      const network = single(flags, 'network');
      if (network !== undefined && network !== 'default' && network !== 'none' && network !== 'host') {
        throw new ValueError(`RUN --network=${network}: expected default, none or host`);
      }
      if (single(flags, 'security') !== undefined) throw new ValueError('RUN --security is not supported by berth', 'remove the flag; RUN is never privileged');
      return { kind: 'RUN', ...source, command: commandForm(rest, raw.heredocs.length > 0), heredocs: raw.heredocs, network, mounts: flags.get('mount') ?? [] };
    }
    case 'COPY':
    case 'ADD':
      return copyInstruction(keyword, source, flags, rest, raw, escape);
    case 'CMD':
    case 'ENTRYPOINT':
      if (rest === '') throw new ValueError(`${keyword} requires at least one argument`, `for example: ${keyword} ["/app"]`);
      return { kind: keyword, ...source, command: commandForm(rest, false) };
    case 'ENV':
    case 'LABEL':
      return { kind: keyword, ...source, pairs: namedValues(keyword, rest, escape) };
    case 'ARG':
      return { kind: 'ARG', ...source, args: argDeclarations(rest, escape) };
    case 'VOLUME':
    case 'EXPOSE': {
      const words = (keyword === 'VOLUME' ? jsonList(rest) : undefined) ?? splitRawWords(rest, escape);
      if (words.length === 0) throw new ValueError(`${keyword} requires at least one argument`, keyword === 'VOLUME' ? 'for example: VOLUME /data' : 'for example: EXPOSE 80/tcp');
      return { kind: keyword, ...source, words };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      if (rest === '') throw new ValueError(`${keyword} requires exactly one argument`);
      return { kind: keyword, ...source, value: rest };
    case 'HEALTHCHECK':
      return healthcheck(source, flags, rest);
    case 'SHELL': {
      const shell = jsonList(rest);
      if (!shell || shell.length === 0) throw new ValueError('SHELL requires the arguments to be in JSON form', 'for example: SHELL ["/bin/sh", "-eu", "-c"]');
      return { kind: 'SHELL', ...source, shell };
    }
    case 'ONBUILD': {
      const trigger = rest.split(/\s/, 1)[0]?.toUpperCase() ?? '';
      if (trigger === '') throw new ValueError('ONBUILD requires an instruction', 'for example: ONBUILD RUN make');
      if (NOT_ONBUILD_TRIGGERS.has(trigger)) throw new ValueError(`${trigger} is not allowed as an ONBUILD trigger`);
      if (!(INSTRUCTION_KEYWORDS as readonly string[]).includes(trigger)) throw new ValueError(`unknown instruction in ONBUILD: ${trigger}`);
      return { kind: 'ONBUILD', ...source, trigger: rest };
    }
    default:
      throw new ValueError(`unknown instruction: ${keyword}`);
  }
}

/** Leading `--name[=value]` words; the rest of the text is returned untouched (shell form needs it as written). */
function extractFlags(keyword: string, args: string, escape: string): { flags: FlagValues; rest: string } {
  const allowed = FLAGS[keyword] ?? [];
  const flags: FlagValues = new Map();
  let rest = args;
  for (;;) {
    rest = rest.trimStart();
    if (!rest.startsWith('--')) break;
    const word = splitRawWords(rest, escape)[0] ?? '';
    rest = rest.slice(rawWordLength(rest, escape));
    if (word === '--') break;
    const equals = word.indexOf('=');
    const name = (equals < 0 ? word.slice(2) : word.slice(2, equals)).toLowerCase();
    const value = equals < 0 ? 'true' : unquote(word.slice(equals + 1));
    if (!allowed.includes(name)) {
      throw new ValueError(`unknown flag: --${name} for ${keyword}`, allowed.length > 0 ? `${keyword} takes ${allowed.map((flag) => `--${flag}`).join(', ')}` : `${keyword} takes no flags`);
    }
    if (flags.has(name) && !REPEATABLE_FLAGS.has(name)) throw new ValueError(`duplicate flag --${name}`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { flags, rest: rest.trim() };
}

function rawWordLength(text: string, escape: string): number {
  let quote: string | undefined;
  let i = 0;
  for (; i < text.length; i += 1) {
    const char = text[i];
    if (quote !== undefined) {
      if (char === escape && quote === '"') i += 1;
      else if (char === quote) quote = undefined;
    } else if (char === ' ' || char === '\t' || char === '\n') {
      break;
    } else if (char === escape) {
      i += 1;
    } else if (char === '"' || char === "'") {
      quote = char;
    }
  }
  return i;
}

function unquote(value: string): string {
  const match = /^(["'])(.*)\1$/s.exec(value);
  return match ? (match[2] ?? '') : value;
}

function single(flags: FlagValues, name: string): string | undefined {
  return flags.get(name)?.[0];
}

function booleanFlag(flags: FlagValues, name: string): boolean {
  const value = single(flags, name);
  if (value === undefined) return false;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ValueError(`--${name}=${value}: expected true or false`);
}

function fromArgs(rest: string): { image: string; stageName?: string } {
  const words = rest.split(/\s+/).filter(Boolean);
  if (words.length === 3 && words[1]?.toUpperCase() === 'AS') {
    const stageName = (words[2] ?? '').toLowerCase();
    if (!STAGE_NAME.test(stageName)) {
      throw new ValueError(`invalid stage name "${words[2] ?? ''}"`, 'a stage name starts with a letter and has letters, digits, -, _ and . only');
    }
    return { image: words[0] ?? '', stageName };
  }
  if (words.length !== 1) throw new ValueError('FROM requires either one or three arguments', 'write FROM <image> [AS <name>]');
  return { image: words[0] ?? '' };
}

/** Exec form when the text is a JSON list of strings; anything else (invalid JSON included) is shell form. */
function commandForm(rest: string, hasHeredoc: boolean): CommandForm {
  const list = hasHeredoc ? undefined : jsonList(rest);
  return list ? { form: 'exec', args: list } : { form: 'shell', command: rest };
}

function jsonList(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((item): item is string => typeof item === 'string')) return parsed;
  } catch {
    // Not JSON: Docker reads it as shell form.
  }
  return undefined;
}

function copyInstruction(keyword: 'COPY' | 'ADD', source: InstructionSource, flags: FlagValues, rest: string, raw: RawInstruction, escape: string): CopyInstruction {
  const items = jsonList(rest) ?? splitRawWords(rest, escape);
  if (items.length < 2) {
    throw new ValueError(`${keyword} requires at least two arguments, but only ${items.length === 0 ? 'none was' : 'one was'} provided: the destination could not be determined`, `write ${keyword} <source>... <destination>`);
  }
  const chmod = single(flags, 'chmod');
  if (chmod !== undefined && !/^[0-7]{3,4}$/.test(chmod) && !/[$]/.test(chmod)) {
    throw new ValueError(`invalid --chmod=${chmod}: expected an octal mode such as 755 or 0644`);
  }
  return {
    kind: keyword,
    ...source,
    sources: items.slice(0, -1),
    dest: items.at(-1) ?? '',
    heredocs: raw.heredocs,
    from: single(flags, 'from'),
    chown: single(flags, 'chown'),
    chmod,
    link: booleanFlag(flags, 'link'),
    checksum: single(flags, 'checksum'),
    keepGitDir: keyword === 'ADD' ? booleanFlag(flags, 'keep-git-dir') : undefined,
    parents: booleanFlag(flags, 'parents'),
    excludes: flags.get('exclude') ?? [],
  };
}

/** `KEY=value ...`, or the legacy `KEY value with blanks` (one pair). */
function namedValues(keyword: string, rest: string, escape: string): RawPair[] {
  const words = splitRawWords(rest, escape);
  const first = words[0];
  if (first === undefined) throw new ValueError(`${keyword} requires at least one argument`, `for example: ${keyword} NAME=value`);
  if (!first.includes('=')) {
    const legacy = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!legacy) throw new ValueError(`${keyword} ${first} has no value`, `write ${keyword} ${first}=value`);
    return [{ key: legacy[1] ?? '', value: (legacy[2] ?? '').trim() }];
  }
  return words.map((word) => {
    const equals = word.indexOf('=');
    if (equals < 0) throw new ValueError(`${keyword}: can't find = in "${word}": it must be of the form NAME=value`);
    if (equals === 0) throw new ValueError(`${keyword} names can not be blank (in "${word}")`);
    return { key: word.slice(0, equals), value: word.slice(equals + 1) };
  });
}

function argDeclarations(rest: string, escape: string): { name: string; defaultValue?: string }[] {
  const words = splitRawWords(rest, escape);
  if (words.length === 0) throw new ValueError('ARG requires at least one argument', 'for example: ARG VERSION=1.0');
  return words.map((word) => {
    const equals = word.indexOf('=');
    const name = equals < 0 ? word : word.slice(0, equals);
    if (!ARG_NAME.test(name)) {
      throw new ValueError(`invalid ARG name "${name}"`, 'an ARG name has letters, digits and _ and does not start with a digit');
    }
    return equals < 0 ? { name } : { name, defaultValue: word.slice(equals + 1) };
  });
}

function healthcheck(source: InstructionSource, flags: FlagValues, rest: string): HealthcheckInstruction {
  const words = rest.split(/\s+/);
  const type = (words[0] ?? '').toUpperCase();
  if (type === 'NONE') {
    if (words.length > 1 || flags.size > 0) throw new ValueError('HEALTHCHECK NONE takes no arguments');
    return { kind: 'HEALTHCHECK', ...source, none: true };
  }
  if (type !== 'CMD') throw new ValueError(`unknown type "${words[0] ?? ''}" in HEALTHCHECK`, 'write HEALTHCHECK [OPTIONS] CMD command, or HEALTHCHECK NONE');
  const command = rest.slice(3).trim();
  if (command === '') throw new ValueError('HEALTHCHECK CMD requires a command', 'for example: HEALTHCHECK CMD wget -q -O- localhost');
  const form = commandForm(command, false);
  const retriesText = single(flags, 'retries');
  const retries = retriesText === undefined ? undefined : Number(retriesText);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) throw new ValueError(`--retries=${retriesText ?? ''}: expected a whole number, 0 or more`);
  return {
    kind: 'HEALTHCHECK',
    ...source,
    none: false,
    test: form.form === 'exec' ? { form: 'exec', args: ['CMD', ...form.args] } : { form: 'exec', args: ['CMD-SHELL', form.command] },
    interval: durationFlag(flags, 'interval'),
    timeout: durationFlag(flags, 'timeout'),
    startPeriod: durationFlag(flags, 'start-period'),
    startInterval: durationFlag(flags, 'start-interval'),
    retries,
  };
}

function durationFlag(flags: FlagValues, name: string): number | undefined {
  const text = single(flags, name);
  if (text === undefined) return undefined;
  const nanoseconds = Number(parseDurationNanoseconds(text));
  if (nanoseconds !== 0 && nanoseconds < 1_000_000) throw new ValueError(`--${name}=${text} cannot be less than 1ms`);
  return nanoseconds;
}
