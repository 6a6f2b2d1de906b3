// The commands that look into existing containers without changing what the project should be: exec, top, port, inspect, ls, wait.
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { registerExecCommand } from './exec.js';
import { registerInspectCommand } from './inspect.js';
import { registerLsCommand } from './ls.js';
import { registerPortCommand } from './port.js';
import { registerTopCommand } from './top.js';
import { registerWaitCommand } from './wait.js';

/** They read the state on disk and act through the runtime directly: no berthd needed (`wait --down-project` aside). */
export function registerContainerCommands(program: Command, context: CommandContext): void {
  registerExecCommand(program, context);
  registerTopCommand(program, context);
  registerPortCommand(program, context);
  registerInspectCommand(program, context);
  registerLsCommand(program, context);
  registerWaitCommand(program, context);
}
