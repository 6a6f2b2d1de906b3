// Whether a pid names a process that still runs: zombies (killed, not yet reaped) count as gone.
import { readFileSync } from 'node:fs';

/**
 * True when `pid` exists and is not a zombie. A SIGKILLed lock holder stays a zombie until its
 * parent reaps it (PID 1 here reaps slowly), and `kill(pid, 0)` still succeeds on a zombie.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may itself contain ") ".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
