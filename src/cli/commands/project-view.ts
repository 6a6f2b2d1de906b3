// The read-only project commands (`ps`, `logs`), registered together: they read state on disk, no engine needed.
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { type LogsCommandOptions, registerLogsCommand } from './logs.js';
import { registerPsCommand } from './ps.js';

export function registerProjectViewCommands(program: Command, context: CommandContext, options: LogsCommandOptions = {}): void {
  registerPsCommand(program, context);
  registerLogsCommand(program, context, options);
}
