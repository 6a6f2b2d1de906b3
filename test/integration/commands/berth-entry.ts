// `berth` run from the sources in a child process (tests that need real stdio: stdin, a terminal).
import { main } from '../../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
