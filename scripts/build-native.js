// Compile native/berth-sys.c into build/berth-sys.node when the source is newer than the output.
// A direct `cc` call instead of node-gyp: one C file, no configure step, ~0.3 s.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const source = path.join(root, 'native', 'berth-sys.c');
const output = path.join(root, 'build', 'berth-sys.node');

const headerDirs = [
  path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
];
const headers = headerDirs.find((dir) => existsSync(path.join(dir, 'node_api.h')));

if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
if (!headers) {
  console.error(`build-native: node_api.h not found in ${headerDirs.join(', ')}; install Node's headers (Debian: libnode-dev)`);
  process.exit(1);
}
mkdirSync(path.dirname(output), { recursive: true });
execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', `-I${headers}`, '-o', output, source], { stdio: 'inherit' });
