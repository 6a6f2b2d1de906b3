// A ulimit (`nofile: 1024` or `nofile: {soft: 1024, hard: 2048}`) to its soft and hard limits.
import { ValueError } from '../../errors.js';
import type { UlimitConfig } from '../model.js';

/** A single number sets both limits; the engine refuses a soft limit above the hard one, so do we. */
export function parseUlimit(value: number | { soft: number; hard: number }): UlimitConfig {
  const { soft, hard } = typeof value === 'number' ? { soft: value, hard: value } : value;
  for (const [name, limit] of [
    ['soft', soft],
    ['hard', hard],
  ] as const) {
    if (!Number.isSafeInteger(limit)) {
      throw new ValueError(`invalid ulimit: ${name} limit ${String(limit)} is not a whole number`);
    }
  }
  if (soft > hard) {
    throw new ValueError(
      `invalid ulimit: soft limit ${soft} is greater than hard limit ${hard}`,
      'the soft limit must be less than or equal to the hard limit',
    );
  }
  return { soft, hard };
}
