// Build stages of a Dockerfile: global ARGs, what each stage starts from and copies from, which stages a target needs.
import { UserError, ValueError } from '../errors.js';
import type { Dockerfile } from './instruction-parser.js';
import type { ArgInstruction, FromInstruction, Instruction } from './instruction-types.js';
import { expandWord, type VariableLookup } from './word-expansion.js';

/** What a stage starts from: an earlier stage, an image, or nothing. */
export type StageBase = { kind: 'stage'; index: number } | { kind: 'image'; reference: string } | { kind: 'scratch' };

/** What a `COPY --from` reads: an earlier stage or an image. */
export type CopySource = { kind: 'stage'; index: number } | { kind: 'image'; reference: string };

export interface Stage {
  index: number;
  /** The `AS` name, lower-case. */
  name?: string | undefined;
  from: FromInstruction;
  base: StageBase;
  platform?: string | undefined;
  /** The instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
  /** COPY --from sources by instruction (position in `instructions`). */
  copySources: Map<number, CopySource>;
  /** Stages this one needs first (its base and its COPY --from sources). */
  dependsOn: number[];
}

export interface StageGraph {
  /** ARGs before the first FROM, in order. */
  globalArgs: ArgInstruction[];
  /** The global scope: global ARG values after build args, and the automatic platform args. */
  globalValues: ReadonlyMap<string, string>;
  stages: Stage[];
  /** The stage whose result is the image (`--target`, else the last). */
  target: number;
  /** Stages to build for the target, dependencies first. */
  needed: number[];
  /** Global ARGs (and the platform args) by name: what `ARG NAME` inside a stage brings in. */
  globalDefaults: ReadonlyMap<string, string | undefined>;
}

/** The automatic platform ARGs (all builds here are linux/amd64 on linux/amd64). */
export const PLATFORM_ARGS: Readonly<Record<string, string>> = {
  TARGETPLATFORM: 'linux/amd64',
  TARGETOS: 'linux',
  TARGETARCH: 'amd64',
  TARGETVARIANT: '',
  BUILDPLATFORM: 'linux/amd64',
  BUILDOS: 'linux',
  BUILDARCH: 'amd64',
  BUILDVARIANT: '',
};

/**
 * Stages of `dockerfile` with `buildArgs` (`--build-arg`, compose `args`) applied to the global ARGs.
 * `usedArgs` collects every build arg the global scope consumed.
 */
export function planStages(dockerfile: Dockerfile, buildArgs: ReadonlyMap<string, string>, target?: string, usedArgs?: Set<string>): StageGraph {
  const { file } = dockerfile;
  const at = (line: number, message: string, hint?: string): UserError => new UserError(message, { position: { file, line, col: 1 }, hint });
  const globalArgs: ArgInstruction[] = [];
  const values = new Map<string, string>(Object.entries(PLATFORM_ARGS));
  const defaults = new Map<string, string | undefined>(Object.entries(PLATFORM_ARGS));
  const lookup: VariableLookup = (name) => values.get(name);
  const expand = (text: string, line: number): string => {
    try {
      return expandWord(text, lookup, { escape: dockerfile.escape });
    } catch (error) {
      if (error instanceof ValueError) throw at(line, error.message, error.hint);
      throw error;
    }
  };
  const stages: Stage[] = [];
  for (const instruction of dockerfile.instructions) {
    if (instruction.kind === 'FROM') {
      stages.push(newStage(instruction, stages, expand, at));
      continue;
    }
    const current = stages.at(-1);
    if (current) {
      current.instructions.push(instruction);
      continue;
    }
    if (instruction.kind !== 'ARG') continue;
    globalArgs.push(instruction);
    for (const arg of instruction.args) {
      const given = buildArgs.get(arg.name);
      if (given !== undefined) usedArgs?.add(arg.name);
      const value = given ?? (arg.defaultValue === undefined ? undefined : expand(arg.defaultValue, instruction.line));
      defaults.set(arg.name, value);
      if (value === undefined) values.delete(arg.name);
      else values.set(arg.name, value);
    }
  }
  for (const stage of stages) resolveCopySources(stage, stages, expand, at);
  let targetIndex = stages.length - 1;
  if (target !== undefined && target !== '') {
    const found = stages.find((stage) => stage.name === target.toLowerCase());
    if (!found) {
      const names = stages.map((stage) => stage.name).filter((name): name is string => name !== undefined);
      throw new UserError(`target stage "${target}" could not be found in ${file}`, { hint: names.length > 0 ? `stages: ${names.join(', ')}` : 'name a stage with FROM <image> AS <name>' });
    }
    targetIndex = found.index;
  }
  return { globalArgs, globalValues: values, stages, target: targetIndex, needed: neededStages(stages, targetIndex), globalDefaults: defaults };
}

function newStage(
  from: FromInstruction,
  earlier: readonly Stage[],
  expand: (text: string, line: number) => string,
  at: (line: number, message: string, hint?: string) => UserError,
): Stage {
  const image = expand(from.image, from.line);
  if (image === '') throw at(from.line, `FROM ${from.image} names no image once its variables are expanded`, 'give the ARG a default or pass --build-arg');
  const previous = earlier.find((stage) => stage.name !== undefined && stage.name === image.toLowerCase());
  if (from.stageName !== undefined && earlier.some((stage) => stage.name === from.stageName)) {
    throw at(from.line, `duplicate stage name "${from.stageName}"`, 'give every stage its own name');
  }
  const base: StageBase = previous ? { kind: 'stage', index: previous.index } : image.toLowerCase() === 'scratch' ? { kind: 'scratch' } : { kind: 'image', reference: image };
  const platform = from.platform === undefined ? undefined : expand(from.platform, from.line);
  return {
    index: earlier.length,
    name: from.stageName,
    from,
    base,
    platform,
    instructions: [],
    copySources: new Map(),
    dependsOn: previous ? [previous.index] : [],
  };
}

/** `COPY --from=name|index|image`: earlier stages by name or number, anything else an image. */
function resolveCopySources(stage: Stage, stages: readonly Stage[], expand: (text: string, line: number) => string, at: (line: number, message: string, hint?: string) => UserError): void {
  stage.instructions.forEach((instruction, position) => {
    if (instruction.kind === 'RUN') {
      // A RUN --mount=...,from=<stage> reads that stage: it must be built first.
      for (const mount of instruction.mounts) {
        const from = /(?:^|,)from=([^,]+)/.exec(mount)?.[1];
        const source = from === undefined ? undefined : copySource(expand(from, instruction.line), stage, stages);
        if (source === 'future') throw at(instruction.line, `invalid --mount from=${from ?? ''}: it refers to the current or a later build stage`);
        if (source?.kind === 'stage' && !stage.dependsOn.includes(source.index)) stage.dependsOn.push(source.index);
      }
      return;
    }
    if ((instruction.kind !== 'COPY' && instruction.kind !== 'ADD') || instruction.from === undefined) return;
    const text = expand(instruction.from, instruction.line);
    const source = copySource(text, stage, stages);
    if (source === 'future') {
      throw at(instruction.line, `invalid --from=${text}: it refers to the current or a later build stage`, 'a stage can only copy from stages above it');
    }
    stage.copySources.set(position, source);
    if (source.kind === 'stage' && !stage.dependsOn.includes(source.index)) stage.dependsOn.push(source.index);
  });
}

function copySource(text: string, stage: Stage, stages: readonly Stage[]): CopySource | 'future' {
  if (/^\d+$/.test(text)) {
    const index = Number(text);
    return index < stage.index ? { kind: 'stage', index } : 'future';
  }
  const named = stages.find((candidate) => candidate.name === text.toLowerCase());
  if (named) return named.index < stage.index ? { kind: 'stage', index: named.index } : 'future';
  return { kind: 'image', reference: text };
}

/** The target and what it needs, each after everything it depends on. */
function neededStages(stages: readonly Stage[], target: number): number[] {
  const order: number[] = [];
  const visit = (index: number): void => {
    if (order.includes(index)) return;
    for (const dependency of stages[index]?.dependsOn ?? []) visit(dependency);
    order.push(index);
  };
  visit(target);
  return order;
}
