// Golden plans: each file under decide-golden/ is a state in shorthand and the printed decision.
// Run with UPDATE_GOLDEN=1 to rewrite the `plan` of every file after a deliberate change.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import test from 'ava';
import { Scalar, parseDocument } from 'yaml';
import { decide } from '../../../src/plan/decide.js';
import { formatDecision } from '../../../src/plan/print-plan.js';
import { parseGoldenCase } from './golden-state.js';

const dir = new URL('./decide-golden/', import.meta.url);
const files = readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort();

for (const file of files) {
  const path = new URL(file, dir);
  const text = readFileSync(path, 'utf8');
  const document = parseDocument(text);
  const raw = document.toJS() as Record<string, unknown>;
  test(`${file.replace(/\.yaml$/, '')}: ${String(raw.description)}`, (t) => {
    const { desired, observed, now } = parseGoldenCase(raw);
    const printed = formatDecision(decide(desired, observed, now));
    if (process.env.UPDATE_GOLDEN === '1') {
      const plan = new Scalar(printed);
      plan.type = Scalar.BLOCK_LITERAL;
      document.set('plan', plan);
      writeFileSync(path, document.toString({ lineWidth: 0 }));
      t.pass();
      return;
    }
    t.is(printed, String(raw.plan), `decide printed a different plan for ${file}`);
  });
}

test('there are golden plans to check', (t) => {
  t.true(files.length >= 20);
});
