// `--change` of `image import`: the Dockerfile instructions that only set image config (CMD, ENV, ...), applied in order.
import { constants } from 'node:os';
import path from 'node:path';
import { ValueError } from '../errors.js';
import type { ImageRuntimeConfig } from './media-types.js';

export const IMPORT_CHANGE_INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'] as const;

const SHELL = ['/bin/sh', '-c'];
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/**
 * The config after `changes` (each one instruction line, as `docker import -c` takes them). Throws a
 * ValueError naming the instruction for anything else (RUN, COPY, ...) or a malformed argument.
 * Variables ($VAR) are not expanded.
 */
export function applyImageChanges(base: ImageRuntimeConfig, changes: readonly string[]): ImageRuntimeConfig {
  const config: ImageRuntimeConfig = structuredClone(base);
  let cmdSet = false;
  for (const change of changes) {
    const match = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(change);
    if (!match) throw new ValueError('empty --change', 'give a Dockerfile instruction such as \'CMD ["sh"]\'');
    const instruction = (match[1] ?? '').toUpperCase();
    const args = match[2] ?? '';
    if (!(IMPORT_CHANGE_INSTRUCTIONS as readonly string[]).includes(instruction)) {
      throw new ValueError(`"${match[1]}" is not an instruction --change can apply`, `use one of ${IMPORT_CHANGE_INSTRUCTIONS.join(', ')}`);
    }
    if (args === '') throw new ValueError(`${instruction} needs an argument`, `for example: ${example(instruction)}`);
    switch (instruction) {
      case 'CMD':
        config.Cmd = commandOf(args);
        cmdSet = true;
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = commandOf(args);
        // As in a Dockerfile: a new entrypoint drops the inherited command unless CMD was given too.
        if (!cmdSet) config.Cmd = null;
        break;
      case 'ENV':
        for (const [key, value] of pairsOf(instruction, args)) config.Env = [...(config.Env ?? []).filter((entry) => !entry.startsWith(`${key}=`)), `${key}=${value}`];
        break;
      case 'LABEL':
        for (const [key, value] of pairsOf(instruction, args)) config.Labels = { ...config.Labels, [key]: value };
        break;
      case 'EXPOSE':
        for (const word of splitWords(args)) for (const port of exposedPorts(word)) config.ExposedPorts = { ...config.ExposedPorts, [port]: {} };
        break;
      case 'USER':
        config.User = args;
        break;
      case 'WORKDIR':
        config.WorkingDir = path.posix.resolve(config.WorkingDir || '/', args);
        break;
      case 'STOPSIGNAL':
        config.StopSignal = stopSignal(args);
        break;
      case 'VOLUME':
        for (const volume of jsonList(args) ?? splitWords(args)) {
          if (volume.trim() === '') throw new ValueError('VOLUME names an empty path', 'for example: VOLUME /data');
          config.Volumes = { ...config.Volumes, [volume]: {} };
        }
        break;
    }
  }
  return config;
}

/** Exec form (a JSON list of strings) as it is; anything else is shell form, run by /bin/sh -c. */
function commandOf(args: string): string[] {
  return jsonList(args) ?? [...SHELL, args];
}

function jsonList(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    if (Array.isArray(parsed) && parsed.every((item): item is string => typeof item === 'string')) return parsed;
  } catch {
    // Not JSON: Docker then reads it as shell form.
  }
  return undefined;
}

/** `KEY=value KEY2="v 2"`, or the legacy `KEY value with spaces`. */
function pairsOf(instruction: string, args: string): [string, string][] {
  const words = splitWords(args);
  const first = words[0] ?? '';
  if (!first.includes('=')) {
    const legacy = /^(\S+)\s+([\s\S]*)$/.exec(args);
    if (!legacy) throw new ValueError(`${instruction} ${args} has no value`, `for example: ${example(instruction)}`);
    return [[legacy[1] ?? '', splitWords(legacy[2] ?? '').join(' ')]];
  }
  return words.map((word) => {
    const equals = word.indexOf('=');
    if (equals <= 0) throw new ValueError(`${instruction} expects KEY=value pairs, found "${word}"`, `for example: ${example(instruction)}`);
    return [word.slice(0, equals), word.slice(equals + 1)];
  });
}

/** Shell-like words: quotes group and are removed, a backslash escapes (not inside single quotes). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < text.length) word += text[++i] ?? '';
      else word += char;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (char === '"' || char === "'") quote = char;
      else if (char === '\\' && i + 1 < text.length) word += text[++i] ?? '';
      else word += char;
    }
  }
  if (quote) throw new ValueError(`unterminated ${quote} quote in "${text}"`);
  if (inWord) words.push(word);
  return words;
}

/** `80`, `53/udp`, `8000-8002/tcp` → the ExposedPorts keys. */
function exposedPorts(spec: string): string[] {
  const match = /^(\d+)(?:-(\d+))?(?:\/([a-zA-Z]+))?$/.exec(spec);
  const protocol = (match?.[3] ?? 'tcp').toLowerCase();
  const start = Number(match?.[1]);
  const end = match?.[2] === undefined ? start : Number(match[2]);
  if (!match || !PORT_PROTOCOLS.has(protocol) || start < 1 || end > 65535 || end < start) {
    throw new ValueError(`EXPOSE: "${spec}" is not a port`, 'write PORT, PORT/PROTOCOL or FIRST-LAST, with protocol tcp, udp or sctp');
  }
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${protocol}`);
}

function stopSignal(text: string): string {
  const name = text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`;
  const number = Number(text);
  const valid = /^\d+$/.test(text) ? number >= 1 && number <= 64 : name in constants.signals || /^SIGRTM(IN|AX)([+-]\d+)?$/.test(name);
  if (!valid) throw new ValueError(`STOPSIGNAL: "${text}" is not a signal`, 'give a name such as SIGTERM or a number such as 15');
  return text;
}

function example(instruction: string): string {
  const examples: Record<string, string> = {
    CMD: 'CMD ["sh"]',
    ENTRYPOINT: 'ENTRYPOINT ["/bin/app"]',
    ENV: 'ENV PATH=/usr/bin:/bin',
    EXPOSE: 'EXPOSE 80/tcp',
    LABEL: 'LABEL org.example.team=web',
    STOPSIGNAL: 'STOPSIGNAL SIGQUIT',
    USER: 'USER nobody',
    VOLUME: 'VOLUME /data',
    WORKDIR: 'WORKDIR /app',
  };
  return examples[instruction] ?? instruction;
}
