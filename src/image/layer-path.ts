// Names from untrusted layer tars made safe: relative, clean, never above the layer's root.
import { UserError } from '../errors.js';

/** A layer entry whose name or link would land outside the layer, or is otherwise unusable. */
export class LayerPathError extends UserError {}

/**
 * The entry's path relative to the layer root ('' for the root itself). A leading `/` is dropped,
 * as Docker does; `.` and empty parts are dropped; `..` that would climb above the root is refused.
 */
export function safeLayerPath(name: string, what = 'entry'): string {
  if (name.includes('\0')) throw new LayerPathError(`layer ${what} "${printable(name)}" contains a NUL byte`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new LayerPathError(`layer ${what} "${printable(name)}" points outside the layer (../ escape)`);
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** The directory part of a clean relative path ('' for a top-level name). */
export function parentOf(relative: string): string {
  const slash = relative.lastIndexOf('/');
  return slash < 0 ? '' : relative.slice(0, slash);
}

export function baseNameOf(relative: string): string {
  return relative.slice(relative.lastIndexOf('/') + 1);
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Other `.wh..wh.` names are aufs bookkeeping (hardlink dirs): not content. */
export const AUFS_META_PREFIX = '.wh..wh.';

/** What a whiteout-style name means in an OCI layer. */
export type WhiteoutKind = { kind: 'none' } | { kind: 'opaque' } | { kind: 'whiteout'; hides: string } | { kind: 'aufs-meta' };

export function classifyWhiteout(baseName: string): WhiteoutKind {
  if (!baseName.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  if (baseName === OPAQUE_WHITEOUT) return { kind: 'opaque' };
  if (baseName.startsWith(AUFS_META_PREFIX)) return { kind: 'aufs-meta' };
  const hides = baseName.slice(WHITEOUT_PREFIX.length);
  if (hides === '' || hides === '.' || hides === '..') throw new LayerPathError(`layer has a whiteout "${baseName}" that names no file`);
  return { kind: 'whiteout', hides };
}

function printable(name: string): string {
  const shown = name.length > 120 ? `${name.slice(0, 120)}…` : name;
  return Array.from(shown, (char) => (char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f ? '?' : char)).join('');
}
