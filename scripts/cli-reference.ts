// Writes docs/cli-reference.md from the commands' definitions (`npm run docs:cli`).
import { writeFileSync } from 'node:fs';
import { cliReference } from '../src/cli/cli-reference.js';

writeFileSync(new URL('../docs/cli-reference.md', import.meta.url), cliReference());
