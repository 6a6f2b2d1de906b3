// Whether a path names a regular file (following symlinks); missing or unreadable counts as no.
import { statSync } from 'node:fs';

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
