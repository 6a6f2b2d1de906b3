// The engine's own timeline of a command: `berth --progress json …` with each row change stamped as it arrives.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { definedEnv } from './process-timing.js';

export interface TimelineEvent {
  /** ms since the CLI was spawned, when the line arrived. */
  at: number;
  id: string;
  status: string;
  text: string;
}

export interface Timeline {
  /** ms from spawn to exit. */
  exitAt: number;
  events: TimelineEvent[];
}

/** Run `node bin/berth.js --progress json …args` and collect its progress lines with arrival times. */
export function progressTimeline(bin: string, args: readonly string[], options: { cwd: string; env: Record<string, string | undefined> }): Promise<Timeline> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const events: TimelineEvent[] = [];
    const child = spawn(process.execPath, [bin, '--progress', 'json', ...args], { cwd: options.cwd, env: definedEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let exitAt = 0;
    let other = '';
    const read = (stream: NodeJS.ReadableStream): void => {
      createInterface({ input: stream }).on('line', (line) => {
        const at = performance.now() - started;
        try {
          const event = JSON.parse(line) as { id?: string; status?: string; text?: string };
          if (typeof event.id === 'string') events.push({ at, id: event.id, status: event.status ?? '', text: event.text ?? '' });
        } catch {
          other += `${line}\n`;
        }
      });
    };
    read(child.stdout);
    read(child.stderr);
    child.once('exit', () => (exitAt = performance.now() - started));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve({ exitAt, events });
      else reject(new Error(`berth ${args.join(' ')} exited with ${code}: ${other}`));
    });
  });
}

/** When each row first showed `text` (ms since spawn), by row id. */
export function firstTimes(timeline: Timeline, text: RegExp): Map<string, number> {
  const times = new Map<string, number>();
  for (const event of timeline.events) if (text.test(event.text) && !times.has(event.id)) times.set(event.id, event.at);
  return times;
}
