// Regenerate test/fixtures/golden/<case>/expected.{yaml,json} from the current `berth config`.
//
// Usage: node --import tsx scripts/update-golden.ts [case ...]
// Review the diff by hand against what `docker compose config` prints before committing: a golden
// file pins compose's output, not whatever berth happens to print today.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listGoldenCases, renderGoldenCase } from '../test/integration/golden-cases.js';

const wanted = new Set(process.argv.slice(2));
let failed = false;
for (const golden of listGoldenCases()) {
  if (wanted.size > 0 && !wanted.has(golden.name)) continue;
  const { yaml, json } = await renderGoldenCase(golden);
  if (yaml.code !== 0 || json.code !== 0) {
    process.stderr.write(`${golden.name}: exit ${yaml.code}/${json.code}\n${yaml.stderr}${json.stderr}`);
    failed = true;
    continue;
  }
  writeFileSync(join(golden.dir, 'expected.yaml'), yaml.stdout);
  writeFileSync(join(golden.dir, 'expected.json'), json.stdout);
  process.stdout.write(`${golden.name}: updated${yaml.stderr ? ` (stderr: ${yaml.stderr.trim()})` : ''}\n`);
}
process.exitCode = failed ? 1 : 0;
