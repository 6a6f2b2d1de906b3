// A service's healthcheck in milliseconds, with Docker's defaults and the image's HEALTHCHECK beneath it.
import type { ImageRuntimeConfig } from '../image/media-types.js';
import type { HealthCheckConfig } from '../spec/model.js';
import { parseDuration } from '../spec/syntax/duration.js';

export interface HealthSettings {
  /** The command to exec: `CMD-SHELL` scripts become `/bin/sh -c script`. */
  readonly command: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
  /** Probe interval while in the start period (Docker 25+). */
  readonly startIntervalMs: number;
}

// Docker's defaults (daemon/health.go): 30 s interval and timeout, 3 retries, 5 s start interval.
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_START_INTERVAL_MS = 5_000;

const NANOSECONDS_PER_MS = 1_000_000;

/**
 * The effective healthcheck: each field of the service's `healthcheck` overrides the image's, as
 * Docker merges them; undefined when there is none, `disable: true`, or the test is `NONE`.
 */
export function healthSettings(
  service: HealthCheckConfig | undefined,
  image: ImageRuntimeConfig['Healthcheck'] | undefined,
): HealthSettings | undefined {
  if (service?.disable) return undefined;
  const test = service?.test && service.test.length > 0 ? service.test : image?.Test;
  const command = probeCommand(test);
  if (!command) return undefined;
  const fromImage = (ns: number | undefined): number | undefined =>
    ns === undefined || ns === 0 ? undefined : Math.round(ns / NANOSECONDS_PER_MS);
  const fromService = (text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    return ms === 0 ? undefined : ms;
  };
  return {
    command,
    intervalMs: fromService(service?.interval) ?? fromImage(image?.Interval) ?? DEFAULT_INTERVAL_MS,
    timeoutMs: fromService(service?.timeout) ?? fromImage(image?.Timeout) ?? DEFAULT_TIMEOUT_MS,
    retries: service?.retries ?? (image?.Retries || undefined) ?? DEFAULT_RETRIES,
    startPeriodMs: fromService(service?.start_period) ?? fromImage(image?.StartPeriod) ?? 0,
    startIntervalMs: fromService(service?.start_interval) ?? fromImage(image?.StartInterval) ?? DEFAULT_START_INTERVAL_MS,
  };
}

/** `['CMD', ...]` runs as given, `['CMD-SHELL', s]` through /bin/sh; `NONE` or nothing means no probe. */
export function probeCommand(test: readonly string[] | undefined): string[] | undefined {
  if (!test || test.length === 0) return undefined;
  const [kind, ...rest] = test;
  switch (kind) {
    case 'NONE':
      return undefined;
    case 'CMD':
      return rest.length > 0 ? rest : undefined;
    case 'CMD-SHELL':
      return ['/bin/sh', '-c', rest.join(' ')];
    default:
      // A bare list from an image is a shell script, as Docker treats an unknown first word.
      return ['/bin/sh', '-c', test.join(' ')];
  }
}
