// Summary statistics for benchmark samples, and the berth/docker comparison of one figure.

export interface SampleSummary {
  samples: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export interface BenchResult extends SampleSummary {
  scenario: string;
  unit: string;
  target?: number;
  meetsTarget?: boolean;
  /** The same figure under docker-compose (`--vs docker`), and berth's median divided by docker's. */
  docker?: SampleSummary;
  ratio?: number;
  /** 1-minute load average when the scenario began and ended: other work on the shared machine. */
  load?: { start: number; end: number };
  /** Anything a reader needs to read the figure right (what was measured, what differs for docker). */
  note?: string;
}

export function summarizeSamples(samples: readonly number[]): SampleSummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  // The median of an even count is the mean of the middle two.
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? at(0.5) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
  return {
    samples: sorted.length,
    median: round(median),
    p90: round(at(0.9)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function summarize(
  scenario: string,
  unit: string,
  samples: number[],
  options: { target?: number | undefined; docker?: readonly number[] | undefined; note?: string | undefined } = {},
): BenchResult {
  const result: BenchResult = { scenario, unit, ...summarizeSamples(samples) };
  if (options.target !== undefined) {
    result.target = options.target;
    result.meetsTarget = result.median <= options.target;
  }
  if (options.docker !== undefined && options.docker.length > 0) {
    result.docker = summarizeSamples(options.docker);
    result.ratio = Math.round((result.median / result.docker.median) * 100) / 100;
  }
  if (options.note !== undefined) result.note = options.note;
  return result;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
