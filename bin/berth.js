#!/usr/bin/env -S node --
// The `berth` command: runs the compiled CLI (build it first with `npm run build`).
// `node --` in the shebang: Node 20 reads `--env-file` anywhere in argv (even after the script)
// and exits when the file is missing; after `--` the flag is ours, as in docker compose.
// A running berthd runs the commands it can (see src/cli/inside-berthd.ts) with its modules already
// loaded; only the rest loads the whole CLI here.
import { runInsideBerthd } from '../dist/cli/berthd-cli-client.js';

const args = process.argv.slice(2);
const code = await runInsideBerthd(args);
process.exitCode = code ?? (await (await import('../dist/cli/main.js')).main(args));
