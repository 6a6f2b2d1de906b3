// Process exit codes, as docker compose uses them where it has one.

export const ExitCode = {
  ok: 0,
  /** Anything that failed at run time. */
  failure: 1,
  /** A bad command line: unknown flag, missing argument. */
  usage: 2,
  /** A compose file, env file or include/extends target that does not exist. */
  fileNotFound: 14,
  /** A compose file that does not parse or validate. */
  invalidProject: 15,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
