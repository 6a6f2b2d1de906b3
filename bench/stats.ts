// Summary statistics for benchmark samples.

export interface BenchResult {
  scenario: string;
  unit: string;
  samples: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  target?: number;
  meetsTarget?: boolean;
}

export function summarize(
  scenario: string,
  unit: string,
  samples: number[],
  options: { target?: number } = {},
): BenchResult {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const result: BenchResult = {
    scenario,
    unit,
    samples: sorted.length,
    median: round(at(0.5)),
    p90: round(at(0.9)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
  if (options.target !== undefined) {
    result.target = options.target;
    result.meetsTarget = result.median <= options.target;
  }
  return result;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
