// A build stage between steps, and the instructions that only change its image config (ENV, CMD, USER, ...). Pure.
import { constants } from 'node:os';
import path from 'node:path';
import { UserError, ValueError } from '../errors.js';
import type { Descriptor, ImageConfig, ImageRuntimeConfig } from '../image/media-types.js';
import type { CommandForm, Instruction } from './instruction-types.js';
import { expandWord, expandWords, type VariableLookup } from './word-expansion.js';

export type HistoryEntry = NonNullable<ImageConfig['history']>[number];

/** Where a stage is after some steps: its layers, its config, its ARGs, and the cache key of it all. */
export interface StageState {
  /** Cache chain key: the base and every step so far (with the content of what they added). */
  key: string;
  config: ImageRuntimeConfig;
  author?: string | undefined;
  diffIds: string[];
  layers: Descriptor[];
  chainIds: string[];
  history: HistoryEntry[];
  /** Time of the last step (the image's `created`). */
  created?: string | undefined;
  /** ARGs declared in this stage, with their values (undefined: declared, no value). */
  args: Map<string, string | undefined>;
  /** CMD was set in this stage: a later ENTRYPOINT keeps it. */
  cmdSet: boolean;
}

/** What a stage's expansion needs besides its state. */
export interface ExpansionScope {
  escape: string;
  /** `--build-arg` values. */
  buildArgs: ReadonlyMap<string, string>;
  /** Global ARGs by name (what `ARG NAME` without a default brings into a stage). */
  globalDefaults: ReadonlyMap<string, string | undefined>;
  /** Build args some ARG consumed (for the "not consumed" warning). */
  usedArgs: Set<string>;
  file: string;
}

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** ENV wins over ARG of the same name, as in Docker. */
export function stageLookup(state: StageState): VariableLookup {
  return (name) => envValue(state.config.Env ?? [], name) ?? state.args.get(name);
}

/** The environment RUN sees: the image's ENV, then the stage's ARG values ENV does not override. */
export function runEnvironment(state: StageState): string[] {
  const env = [...(state.config.Env ?? [])];
  for (const [name, value] of state.args) {
    if (value !== undefined && envValue(env, name) === undefined) env.push(`${name}=${value}`);
  }
  return env;
}

/** A RUN/CMD/ENTRYPOINT command as argv: shell form runs through the stage's SHELL. */
export function commandArgv(state: StageState, command: CommandForm): string[] {
  return command.form === 'exec' ? [...command.args] : [...(state.config.Shell ?? DEFAULT_SHELL), command.command];
}

/** Expand one word in the stage's scope; a syntax error names the instruction's line. */
export function expandIn(state: StageState, scope: ExpansionScope, text: string, line: number): string {
  return atLine(scope, line, () => expandWord(text, stageLookup(state), { escape: scope.escape }));
}

/** Run `work`; a ValueError, or a UserError that names no place, is thrown again at `file:line`. */
export function atLine<T>(scope: Pick<ExpansionScope, 'file'>, line: number, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw placed(error, scope.file, line);
  }
}

export async function atLineAsync<T>(scope: Pick<ExpansionScope, 'file'>, line: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw placed(error, scope.file, line);
  }
}

function placed(error: unknown, file: string, line: number): unknown {
  if (error instanceof ValueError) return new UserError(error.message, { position: { file, line, col: 1 }, hint: error.hint });
  if (error instanceof UserError && error.position === undefined) return error.with({ position: { file, line, col: 1 } });
  return error;
}

/** True for the instructions `applyConfigInstruction` handles (no filesystem change). */
export function isConfigInstruction(instruction: Instruction): boolean {
  return !['RUN', 'COPY', 'ADD', 'WORKDIR', 'FROM'].includes(instruction.kind);
}

/**
 * The state after a config-only instruction (the input is not changed). WORKDIR's path is set here
 * too; making the directory is the caller's filesystem step.
 */
export function applyConfigInstruction(state: StageState, instruction: Instruction, scope: ExpansionScope): StageState {
  const next: StageState = { ...state, config: structuredClone(state.config), args: new Map(state.args) };
  const config = next.config;
  const expand = (text: string): string => expandIn(state, scope, text, instruction.line);
  atLine(scope, instruction.line, () => {
    switch (instruction.kind) {
      case 'ENV': {
        const pairs = instruction.pairs.map(({ key, value }) => [expand(key), expand(value)] as const);
        for (const [key, value] of pairs) config.Env = setEnv(config.Env ?? [], key, value);
        break;
      }
      case 'LABEL':
        for (const { key, value } of instruction.pairs) config.Labels = { ...config.Labels, [expand(key)]: expand(value) };
        break;
      case 'ARG':
        for (const arg of instruction.args) {
          const given = scope.buildArgs.get(arg.name);
          if (given !== undefined) scope.usedArgs.add(arg.name);
          const fallback = arg.defaultValue !== undefined ? expandWord(arg.defaultValue, stageLookup(next), { escape: scope.escape }) : scope.globalDefaults.get(arg.name);
          next.args.set(arg.name, given ?? fallback);
        }
        break;
      case 'USER':
        config.User = expand(instruction.value);
        break;
      case 'WORKDIR':
        config.WorkingDir = path.posix.resolve(config.WorkingDir || '/', expand(instruction.value));
        break;
      case 'STOPSIGNAL':
        config.StopSignal = checkedSignal(expand(instruction.value));
        break;
      case 'MAINTAINER':
        next.author = expand(instruction.value);
        break;
      case 'EXPOSE':
        for (const word of instruction.words.flatMap((raw) => expandWords(raw, stageLookup(state), { escape: scope.escape }))) {
          for (const port of exposedPorts(word)) config.ExposedPorts = { ...config.ExposedPorts, [port]: {} };
        }
        break;
      case 'VOLUME':
        for (const raw of instruction.words) {
          const volume = expand(raw);
          if (volume.trim() === '') throw new ValueError('VOLUME specified can not be an empty string');
          config.Volumes = { ...config.Volumes, [volume]: {} };
        }
        break;
      case 'CMD':
        config.Cmd = commandArgv(state, instruction.command);
        next.cmdSet = true;
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = commandArgv(state, instruction.command);
        // A new entrypoint drops an inherited CMD, unless this stage set one.
        if (!state.cmdSet) config.Cmd = null;
        break;
      case 'SHELL':
        config.Shell = [...instruction.shell];
        break;
      case 'HEALTHCHECK':
        config.Healthcheck = instruction.none
          ? { Test: ['NONE'] }
          : {
              Test: instruction.test?.form === 'exec' ? instruction.test.args : [],
              ...(instruction.interval ? { Interval: instruction.interval } : {}),
              ...(instruction.timeout ? { Timeout: instruction.timeout } : {}),
              ...(instruction.startPeriod ? { StartPeriod: instruction.startPeriod } : {}),
              ...(instruction.startInterval ? { StartInterval: instruction.startInterval } : {}),
              ...(instruction.retries ? { Retries: instruction.retries } : {}),
            };
        break;
      case 'ONBUILD':
        config.OnBuild = [...(config.OnBuild ?? []), instruction.trigger];
        break;
      default:
        throw new Error(`${instruction.kind} is not a config instruction`);
    }
  });
  return next;
}

/** The value of `name` in a `NAME=value` list. */
export function envValue(env: readonly string[], name: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i -= 1) {
    const item = env[i] ?? '';
    if (item.startsWith(`${name}=`)) return item.slice(name.length + 1);
  }
  return undefined;
}

/** Replace a variable in place (keeping the order of the others), or append it. */
function setEnv(env: readonly string[], key: string, value: string): string[] {
  const index = env.findIndex((item) => item === key || item.startsWith(`${key}=`));
  const out = [...env];
  if (index >= 0) out[index] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

/** `80`, `53/udp`, `8000-8002/tcp` → ExposedPorts keys. */
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

function checkedSignal(text: string): string {
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const valid = /^\d+$/.test(text) ? Number(text) >= 1 && Number(text) <= 64 : name in constants.signals || /^SIGRTM(IN|AX)([+-]\d+)?$/.test(name);
  if (!valid) throw new ValueError(`STOPSIGNAL: "${text}" is not a signal`, 'give a name such as SIGTERM or a number such as 15');
  return text;
}

/** The config blob of a stage's image (key order fixed, so equal states give equal image IDs). */
export function imageConfigOf(state: StageState): ImageConfig {
  return {
    architecture: 'amd64',
    os: 'linux',
    ...(state.created !== undefined ? { created: state.created } : {}),
    ...(state.author !== undefined ? { author: state.author } : {}),
    config: state.config,
    rootfs: { type: 'layers', diff_ids: [...state.diffIds] },
    history: [...state.history],
  };
}
