// `berth events [--json] [SERVICE...]`: stream what happens to the project's containers, as compose's events does.
import type { Command } from 'commander';
import type { ContainerEvent } from '../../engine/container-events.js';
import { UserError } from '../../errors.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { checkServiceNames, selectProject } from '../project-selection.js';
import { connectStackEngine } from '../stack-engine-client.js';

/** compose's text line: `<time> container <action> <name> (k=v, ...)`. */
export function formatEvent(event: ContainerEvent): string {
  const attributes = Object.entries(event.attributes)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return `${event.time} ${event.type} ${event.action} ${event.id} (${attributes})`;
}

export function registerEventsCommand(program: Command, context: CommandContext): void {
  program
    .command('events')
    .description("Stream the project's container events (create, start, die, health_status, ...) until interrupted")
    .argument('[services...]', 'only these services')
    .option('--json', 'one JSON object per line (time, type, action, id, service, attributes)')
    .addHelpText('after', '\nExamples:\n  berth events                  follow every container of the project\n  berth events --json db        db\'s events as JSON lines, for scripts')
    .action(async (services: string[], options: { json?: boolean }, command: Command) => {
      if (context.env['BERTH_NO_DAEMON'] === '1') {
        throw new UserError('events are berthd’s: with BERTH_NO_DAEMON=1 nothing runs between commands to report them', { hint: 'unset BERTH_NO_DAEMON' });
      }
      const selected = await selectProject(command.optsWithGlobals<GlobalOptions>(), context);
      checkServiceNames(selected, services);
      const engine = await connectStackEngine(context);
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await engine.watchEvents(selected.name, services, (event) => context.stdout.write(`${options.json ? JSON.stringify(event) : formatEvent(event)}\n`), stop.signal);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await engine.close();
      }
    });
}
