#!/usr/bin/env -S node --
// The `berth` command: runs the compiled CLI (build it first with `npm run build`).
// `node --` in the shebang: Node 20 reads `--env-file` anywhere in argv (even after the script)
// and exits when the file is missing; after `--` the flag is ours, as in docker compose.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
