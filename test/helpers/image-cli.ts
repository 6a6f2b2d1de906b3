// `berth <args>` in-process with only the image commands registered, as the image tests drive them.
import { Command } from 'commander';
import { registerImageCommands } from '../../src/cli/commands/image.js';
import { reportError } from '../../src/cli/report.js';

export async function berthImageCli(env: Record<string, string>, cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const context = { cwd, env, stdout: { write: (text: string) => void (stdout += text) }, stderr: { write: (text: string) => void (stderr += text) } };
  const program = new Command('berth').exitOverride();
  registerImageCommands(program, context);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: reportError(error, context.stderr, false), stdout, stderr };
  }
}
