// Signal names as users write them (KILL, SIGKILL, 9): checked before anything is sent.
import { constants } from 'node:os';
import { ValueError } from '../errors.js';

const SIGNALS = constants.signals as Readonly<Record<string, number>>;

/** `SIGHUP` for `hup`, `HUP`, `SIGHUP`; a number stays a number (1–64). Throws ValueError for anything else. */
export function normalizeSignal(text: string): string {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    if (number >= 1 && number <= 64) return String(number);
  } else {
    const upper = trimmed.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (name in SIGNALS) return name;
  }
  throw new ValueError(`unknown signal "${text}"`, 'give a signal name such as SIGTERM, HUP or KILL, or a number from 1 to 64');
}
