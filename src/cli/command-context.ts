// What a command may touch of the outside world, so tests can run the CLI in-process.

export interface CommandContext {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
}
