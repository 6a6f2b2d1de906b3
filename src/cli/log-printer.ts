// How `logs` lines look: "<name>  | text", names padded to the longest, one stable colour per service.
import { formatLogTimeUtc } from '../engine/log-time.js';

/** compose's rainbow, in its order: cyan, yellow, green, magenta, blue, then their bold ("intense") forms. */
export const LOG_COLOURS: readonly string[] = ['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1'];

/** FNV-1a over the name: the same service gets the same colour in every run and every command. */
export function colourForService(service: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(service, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return LOG_COLOURS[hash % LOG_COLOURS.length] ?? '36';
}

export function paint(code: string, text: string): string {
  return `\x1b[${code}m${text}\x1b[0m`;
}

/** Colour only on a terminal, and never with --no-color or NO_COLOR (https://no-color.org: set and not empty). */
export function wantsColour(options: { noColor?: boolean | undefined; env: Record<string, string | undefined>; stdout: object }): boolean {
  if (options.noColor) return false;
  if ((options.env['NO_COLOR'] ?? '') !== '') return false;
  // A writer without isTTY (a test's collector, a pipe) is not a terminal.
  return (options.stdout as { isTTY?: unknown }).isTTY === true;
}

export interface LogPrinterOptions {
  colour: boolean;
  prefix: boolean;
  timestamps: boolean;
}

/** compose's RESET_LINE, written before a status line on a terminal. */
const RESET_LINE = '\r\x1b[K';

export class LogPrinter {
  private readonly services = new Map<string, string>();
  private width = 0;

  constructor(
    private readonly out: { write(text: string): void },
    private readonly options: LogPrinterOptions,
  ) {}

  /** Make a container's name known, so every prefix is padded to the longest name (compose pads to it plus one). */
  register(name: string, service: string): void {
    this.services.set(name, service);
    this.width = Math.max(this.width, name.length + 1);
  }

  prefix(name: string): string {
    if (!this.options.prefix) return '';
    const text = `${name.padEnd(this.width)} | `;
    return this.options.colour ? paint(colourForService(this.services.get(name) ?? name), text) : text;
  }

  /** One log line of a container; `ns` is the entry's time, shown with --timestamps as Docker shows it. */
  line(name: string, text: string, ns: bigint | undefined): void {
    const time = this.options.timestamps && ns !== undefined ? `${formatLogTimeUtc(ns)} ` : '';
    this.out.write(`${this.prefix(name)}${time}${text}\n`);
  }

  /** compose's status lines while following: "web-1 exited with code 0". */
  status(name: string, message: string): void {
    const text = `${name} ${message}`;
    this.out.write(this.options.colour ? `${paint(colourForService(this.services.get(name) ?? name), `${RESET_LINE}${text}`)}\n` : `${text}\n`);
  }
}
