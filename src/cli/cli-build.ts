// Which build of the CLI this is: berthd runs a thin client's command only when both are the same build.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package version and when the CLI's entry module was written (every build rewrites it). */
export function cliBuildId(): string {
  const here = fileURLToPath(import.meta.url);
  // dist/cli/main.js when compiled, src/cli/main.ts when run through tsx.
  const entry = path.join(path.dirname(here), `main${path.extname(here)}`);
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `${version}@${statSync(entry).mtimeMs}`;
}
