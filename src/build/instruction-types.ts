// The Dockerfile instructions as typed values: arguments kept as written, expanded only when a stage runs them.
import type { Heredoc } from './dockerfile-parser.js';

/** Exec form (a JSON list) runs as it is; shell form runs through the stage's SHELL. */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; command: string };

/** Where an instruction is in its Dockerfile, and how it was written. */
export interface InstructionSource {
  line: number;
  endLine: number;
  /** The logical line as written (`RUN make all`). */
  original: string;
}

/** A `NAME=value` pair as written (quotes and variables still in it). */
export interface RawPair {
  key: string;
  value: string;
}

export interface FromInstruction extends InstructionSource {
  kind: 'FROM';
  image: string;
  /** Lower-cased `AS name`. */
  stageName?: string | undefined;
  platform?: string | undefined;
}

export interface RunInstruction extends InstructionSource {
  kind: 'RUN';
  command: CommandForm;
  heredocs: Heredoc[];
  network?: 'default' | 'none' | 'host' | undefined;
  /** `--mount=` values as written (only refused for now: they change what the command sees). */
  mounts: string[];
}

export interface CopyInstruction extends InstructionSource {
  kind: 'COPY' | 'ADD';
  /** Sources as written (variables unexpanded); heredoc sources are `<<NAME`. */
  sources: string[];
  dest: string;
  heredocs: Heredoc[];
  from?: string | undefined;
  chown?: string | undefined;
  chmod?: string | undefined;
  link: boolean;
  /** ADD --checksum (only for URLs, which are refused offline). */
  checksum?: string | undefined;
  keepGitDir?: boolean | undefined;
  /** COPY --parents and --exclude patterns. */
  parents: boolean;
  excludes: string[];
}

export interface CommandInstruction extends InstructionSource {
  kind: 'CMD' | 'ENTRYPOINT';
  command: CommandForm;
}

export interface PairsInstruction extends InstructionSource {
  kind: 'ENV' | 'LABEL';
  pairs: RawPair[];
}

export interface ArgInstruction extends InstructionSource {
  kind: 'ARG';
  args: { name: string; defaultValue?: string | undefined }[];
}

export interface WordsInstruction extends InstructionSource {
  kind: 'VOLUME' | 'EXPOSE';
  /** Raw words (shell form) or the JSON list's items (VOLUME only). */
  words: string[];
}

export interface TextInstruction extends InstructionSource {
  kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER';
  value: string;
}

export interface HealthcheckInstruction extends InstructionSource {
  kind: 'HEALTHCHECK';
  /** `HEALTHCHECK NONE` disables the base image's check. */
  none: boolean;
  test?: CommandForm | undefined;
  /** Nanoseconds, as the image config stores them. */
  interval?: number | undefined;
  timeout?: number | undefined;
  startPeriod?: number | undefined;
  startInterval?: number | undefined;
  retries?: number | undefined;
}

export interface ShellInstruction extends InstructionSource {
  kind: 'SHELL';
  shell: string[];
}

export interface OnbuildInstruction extends InstructionSource {
  kind: 'ONBUILD';
  /** The trigger instruction as written (`RUN make`), stored in the image config. */
  trigger: string;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CopyInstruction
  | CommandInstruction
  | PairsInstruction
  | ArgInstruction
  | WordsInstruction
  | TextInstruction
  | HealthcheckInstruction
  | ShellInstruction
  | OnbuildInstruction;

export type InstructionKind = Instruction['kind'];

/** Every keyword berth knows. */
export const INSTRUCTION_KEYWORDS: readonly InstructionKind[] = [
  'FROM', 'RUN', 'COPY', 'ADD', 'CMD', 'ENTRYPOINT', 'ENV', 'LABEL', 'ARG', 'VOLUME', 'EXPOSE', 'WORKDIR', 'USER',
  'STOPSIGNAL', 'MAINTAINER', 'HEALTHCHECK', 'SHELL', 'ONBUILD',
];
