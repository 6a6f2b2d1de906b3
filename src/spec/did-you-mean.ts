// Suggests the allowed word a user probably meant: `prots` → `ports`, `stop-signal` → `stop_signal`.

/**
 * Edit distance where swapping two neighbouring letters costs 1 (optimal string alignment), so the
 * common typo `prots` is one edit from `ports`, not two.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      const row = d[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** Case and `-`/`_` differences are the cheapest mistakes; compare words without them. */
function canonical(word: string): string {
  return word.toLowerCase().replaceAll('-', '_');
}

/**
 * The candidate closest to `input`, if it is close enough to be a plausible typo: at most a third of
 * the word's length in edits (at least 1), so `imag` → `image` but `foo` suggests nothing. Ties go to
 * the candidate listed first.
 */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  const wanted = canonical(input);
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, canonical(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
