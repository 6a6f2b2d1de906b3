// A directory only its owner (root, for berthd) can enter: created 0700, refused when someone else owns it.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../errors.js';

/**
 * Make `dir` (and missing parents) and leave it a real directory of ours with mode 0700. A symlink
 * or a directory owned by another user is refused: whoever owns it could swap the socket under us.
 */
export function ensurePrivateDirectory(dir: string): void {
  // Parents (BERTH_RUN itself) keep the default mode: other parts of berth share them.
  mkdirSync(path.dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) {
    throw new SystemError(`${dir} is not a directory`, 'create daemon directory', 'ENOTDIR');
  }
  const uid = process.getuid?.() ?? 0;
  if (stat.uid !== uid) {
    throw new SystemError(`${dir} is owned by uid ${stat.uid}, not by uid ${uid}`, 'create daemon directory', 'EPERM');
  }
  // mkdir's mode passes through the umask, and an existing directory keeps whatever mode it had.
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}
