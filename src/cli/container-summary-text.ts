// The text Docker prints for a container in `ps`: status, age, ports, command (pure, so tests pin it exactly).
import type { ContainerStateName, PortPublisher } from '../engine/project-containers.js';
import type { HealthStatus } from '../plan/plan-types.js';

/** go-units' HumanDuration: how Docker says "for how long" ("Less than a second", "About a minute", "3 days"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

export interface StatusFacts {
  state: ContainerStateName;
  /** Milliseconds since the epoch. */
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  exitCode?: number | undefined;
  health?: HealthStatus | undefined;
}

/** The STATUS column, as the Docker engine words it: "Up 5 seconds (healthy)", "Exited (1) 3 minutes ago", "Created". */
export function statusText(facts: StatusFacts, now: number): string {
  const since = (at: number | undefined): string => humanDuration(Math.max(0, now - (at ?? now)));
  switch (facts.state) {
    case 'running':
      if (facts.health) return `Up ${since(facts.startedAt)} (${facts.health === 'starting' ? 'health: starting' : facts.health})`;
      return `Up ${since(facts.startedAt)}`;
    case 'paused':
      return `Up ${since(facts.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${facts.exitCode ?? 0}) ${since(facts.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      // Docker leaves the time out only when it has none (FinishedAt zero prints ""); berth keeps the code at least.
      if (facts.finishedAt === undefined) return `Exited (${facts.exitCode ?? 0})`;
      return `Exited (${facts.exitCode ?? 0}) ${since(facts.finishedAt)} ago`;
  }
}

function compareIp(a: string, b: string): number {
  const key = (ip: string): number[] => (ip === '' ? [] : ip.split('.').map(Number));
  const left = key(a);
  const right = key(b);
  if (left.length !== right.length) return left.length - right.length;
  for (let index = 0; index < left.length; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The PORTS column as the Docker CLI builds it: unpublished ports and ports published on the same
 * number are grouped into ranges ("80-81/tcp", "0.0.0.0:80-81->80-81/tcp"); other mappings follow,
 * one each ("127.0.0.1:18080->8080/tcp").
 */
export function portsText(publishers: readonly PortPublisher[]): string {
  const sorted = [...publishers].sort(
    (a, b) =>
      a.TargetPort - b.TargetPort ||
      compareIp(a.URL, b.URL) ||
      a.PublishedPort - b.PublishedPort ||
      (a.Protocol < b.Protocol ? -1 : a.Protocol > b.Protocol ? 1 : 0),
  );
  const groups = new Map<string, { first: number; last: number }>();
  const keyOrder: string[] = [];
  const result: string[] = [];
  const mappings: string[] = [];
  const groupText = (key: string, first: number, last: number): string => {
    const [ip, protocol] = key.includes('/') ? (key.split('/') as [string, string]) : ['', key];
    const range = first === last ? `${first}` : `${first}-${last}`;
    return `${ip ? `${ip}:${range}->${range}` : range}/${protocol}`;
  };
  for (const port of sorted) {
    let key = port.Protocol;
    if (port.URL !== '') {
      if (port.PublishedPort !== port.TargetPort) {
        mappings.push(`${port.URL}:${port.PublishedPort}->${port.TargetPort}/${port.Protocol}`);
        continue;
      }
      key = `${port.URL}/${port.Protocol}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: port.TargetPort, last: port.TargetPort });
      keyOrder.push(key);
    } else if (port.TargetPort === group.last + 1) {
      group.last = port.TargetPort;
    } else {
      result.push(groupText(key, group.first, group.last));
      groups.set(key, { first: port.TargetPort, last: port.TargetPort });
    }
  }
  for (const key of keyOrder) {
    const group = groups.get(key);
    if (group) result.push(groupText(key, group.first, group.last));
  }
  return [...result, ...mappings].join(', ');
}

/** The engine's `Command` of a container: path then arguments, those with a space in single quotes. */
export function commandText(args: readonly string[]): string {
  const [path = '', ...rest] = args;
  if (rest.length === 0) return path;
  return `${path} ${rest.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}`;
}

/** Docker's Ellipsis: at most `width` characters, the last one "…" when cut (wide characters count double). */
export function ellipsis(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (width === 1) return chars[0] ?? '';
  const widths = chars.map(displayWidth);
  const total = widths.reduce((sum, one) => sum + one, 0);
  if (total <= width) return text;
  let used = 0;
  let kept = 0;
  while (kept < chars.length && used + (widths[kept] ?? 0) <= width - 1) {
    used += widths[kept] ?? 0;
    kept += 1;
  }
  return `${chars.slice(0, kept).join('')}…`;
}

/** East Asian wide and fullwidth characters take two columns in a terminal. */
function displayWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

/** Go's strconv.Quote, which compose applies to COMMAND: double quotes, Go escapes for control characters. */
export function goQuote(text: string): string {
  const escapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const escaped = escapes[char];
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code <= 0x9f) out += `\\u00${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** The COMMAND column: quoted, and cut to 20 characters unless `--no-trunc`. */
export function commandColumn(command: string, truncate: boolean): string {
  return goQuote(truncate ? ellipsis(command, 20) : command);
}
