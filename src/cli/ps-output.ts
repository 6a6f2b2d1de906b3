// `ps` output: compose's table (Docker's tab-aligned columns) and its one-JSON-object-per-line format.
import type { ProjectContainer } from '../engine/project-containers.js';
import { commandColumn, commandText, ellipsis, humanDuration, portsText, statusText } from './container-summary-text.js';

export interface PsRenderOptions {
  /** Cut ids, commands and mount names as compose does unless `--no-trunc`. */
  truncate: boolean;
  /** Milliseconds since the epoch; the ages are counted from it. */
  now: number;
}

/**
 * Columns as Docker's tabwriter lays them out (minimum width 10, padding 3): every cell but the
 * last of a line is padded to its column's width, trailing spaces included.
 */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 10, [...cell].length + 3);
    });
  }
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 10) - [...cell].length))).join('') + '\n')
    .join('');
}

function shortId(id: string, truncate: boolean): string {
  return truncate ? id.slice(0, 12) : id;
}

function runningFor(container: ProjectContainer, now: number): string {
  return `${humanDuration(Math.max(0, now - container.createdAt))} ago`;
}

export function psTable(containers: readonly ProjectContainer[], options: PsRenderOptions): string {
  const header = ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'];
  const rows = containers.map((container) => [
    container.name,
    container.image,
    commandColumn(commandText(container.args), options.truncate),
    container.service,
    runningFor(container, options.now),
    statusText(container, options.now),
    portsText(container.publishers),
  ]);
  return alignColumns([header, ...rows]);
}

/** Go's time.Time.String() in local time: `2024-05-01 10:00:00 +0200 CEST`. */
export function goTimeString(ms: number): string {
  const date = new Date(Math.floor(ms / 1000) * 1000);
  const two = (value: number): string => String(value).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const zoneOffset = `${sign}${two(Math.trunc(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  const zoneName = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? zoneOffset;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zoneOffset} ${zoneName}`;
}

/**
 * The object compose prints for `ps --format json` (its container formatter's fields, cut and
 * quoted as in the table unless `--no-trunc`), plus `Created` in Unix seconds as compose printed
 * it before 2.21 and as its API type still has it.
 */
export function psJsonObject(container: ProjectContainer, options: PsRenderOptions): Record<string, unknown> {
  const labels = Object.entries(container.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return {
    Command: commandColumn(commandText(container.args), options.truncate),
    Created: Math.floor(container.createdAt / 1000),
    CreatedAt: goTimeString(container.createdAt),
    ExitCode: container.exitCode,
    Health: container.health ?? '',
    ID: shortId(container.id, options.truncate),
    Image: container.image,
    Labels: labels,
    LocalVolumes: String(container.localVolumes),
    Mounts: container.mounts.map((name) => (options.truncate ? ellipsis(name, 15) : name)).join(','),
    Name: container.name,
    Names: container.name,
    Networks: container.networks.join(','),
    Ports: portsText(container.publishers),
    Project: container.project,
    Publishers: container.publishers,
    RunningFor: runningFor(container, options.now),
    Service: container.service,
    Size: '0B',
    State: container.state,
    Status: statusText(container, options.now),
  };
}

export function psJsonLines(containers: readonly ProjectContainer[], options: PsRenderOptions): string {
  return containers.map((container) => `${JSON.stringify(psJsonObject(container, options))}\n`).join('');
}
