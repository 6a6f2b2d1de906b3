// Build events as plain text lines (`#3 [web build 2/5] RUN make`, `#3 CACHED`, `#3 DONE 0.4s`) or as JSON lines.
import type { BuildEvent } from './build-session.js';

/**
 * Turns the events of one or more builds into lines. Each step gets a number (`#N`) the first time it
 * is seen, so output of steps running side by side can be told apart.
 */
export class BuildProgressPrinter {
  private readonly numbers = new Map<string, number>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly format: 'plain' | 'json' = 'plain',
  ) {}

  /** The printer for one service's build: its events carry the service name. */
  forService(service: string): (event: BuildEvent) => void {
    return (event) => this.print(service, event);
  }

  print(service: string, event: BuildEvent): void {
    if (this.format === 'json') {
      this.write(`${JSON.stringify({ service, ...event })}\n`);
      return;
    }
    if (event.kind === 'warning') {
      this.write(`warning: ${service}: ${event.message}\n`);
      return;
    }
    const id = `${service}\0${event.stage}\0${event.step}`;
    let number = this.numbers.get(id);
    if (number === undefined) {
      number = this.numbers.size + 1;
      this.numbers.set(id, number);
    }
    if (event.kind === 'output') {
      this.write(`#${number} ${event.line}\n`);
      return;
    }
    const seconds = event.durationMs === undefined ? '' : ` ${(event.durationMs / 1000).toFixed(1)}s`;
    switch (event.status) {
      case 'running':
        this.write(`#${number} [${service} ${event.stage} ${event.step}/${event.steps}] ${event.instruction}\n`);
        break;
      case 'cached':
        this.write(`#${number} CACHED\n`);
        break;
      case 'done':
        // FROM has no running line: print what it was.
        if (event.step === 1) this.write(`#${number} [${service} ${event.stage} ${event.step}/${event.steps}] ${event.instruction}\n`);
        this.write(`#${number} DONE${seconds}\n`);
        break;
      case 'failed':
        this.write(`#${number} ERROR${seconds}\n`);
        break;
    }
  }
}
