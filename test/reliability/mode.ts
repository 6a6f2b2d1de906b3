// The reliability suite's switch: the short versions run in the normal test command, the full ones with BERTH_RELIABILITY=full.
export const FULL = process.env['BERTH_RELIABILITY'] === 'full';
