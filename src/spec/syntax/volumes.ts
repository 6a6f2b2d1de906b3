// Short volume syntax (`[source:]target[:options]`) to compose's long form, as compose-go's ParseVolume.
//
// Rules kept from compose: a source starting with `.`, `/` or `~` is a bind (with `bind: {}`, which
// means create_host_path: true), anything else a named volume (`volume: {}`); no source is an
// anonymous volume. A one-letter section followed by `:` is a Windows drive and stays in the path.
// Colons inside `${...}` do not split. Options: ro, rw, nocopy, z, Z and the propagation modes;
// compose ignores any other option silently, and so do we. Specs of 1–2 characters are taken as a bare
// target. Relative sources are NOT resolved here (the normaliser does it); the target is cleaned.
import { posix } from 'node:path';
import { ValueError } from '../../errors.js';
import type { ServiceVolumeBind, ServiceVolumeConfig, ServiceVolumeVolume } from '../model.js';

const PROPAGATIONS = ['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'];
const SELINUX = ['z', 'Z'];
const FORMS_HINT = 'use [SOURCE:]TARGET[:OPTIONS], e.g. ./data:/data:ro, dbdata:/var/lib/db, /cache';

interface Parsed {
  source: string;
  target: string;
  readOnly: boolean;
  bind: ServiceVolumeBind | undefined;
  volume: ServiceVolumeVolume | undefined;
}

export function parseVolumeSpec(spec: string): ServiceVolumeConfig {
  if (spec.length === 0) throw new ValueError('invalid volume "": it is empty', FORMS_HINT);
  if (spec.length <= 2) return { type: 'volume', target: cleanTarget(spec) };

  const parsed: Parsed = { source: '', target: '', readOnly: false, bind: undefined, volume: undefined };
  let buffer = '';
  let substitutionDepth = 0;
  const chars = [...spec];
  for (let i = 0; i <= chars.length; i++) {
    const char = chars[i];
    if (char === '$' && chars[i + 1] === '{') {
      substitutionDepth++;
      buffer += char;
      continue;
    }
    if (char === '}' && substitutionDepth > 0) {
      substitutionDepth--;
      buffer += char;
      continue;
    }
    if (char === ':' && isWindowsDrive(buffer)) {
      buffer += char;
    } else if ((char === ':' || char === undefined) && substitutionDepth === 0) {
      fillSection(spec, parsed, buffer, char === undefined);
      buffer = '';
    } else if (char !== undefined) {
      buffer += char;
    }
  }
  return toConfig(parsed);
}

function fillSection(spec: string, parsed: Parsed, section: string, last: boolean): void {
  if (section === '')
    throw new ValueError(`invalid volume "${spec}": empty section between colons`, FORMS_HINT);
  if (parsed.source === '' && last) {
    parsed.target = section; // anonymous volume
    return;
  }
  if (parsed.source === '') {
    parsed.source = section;
    return;
  }
  if (parsed.target === '') {
    parsed.target = section;
    return;
  }
  if (!last) throw new ValueError(`invalid volume "${spec}": too many colons`, FORMS_HINT);
  for (const option of section.split(',')) {
    if (option === 'ro') parsed.readOnly = true;
    else if (option === 'rw') parsed.readOnly = false;
    else if (option === 'nocopy') parsed.volume = { nocopy: true };
    else if (PROPAGATIONS.includes(option)) parsed.bind = { ...parsed.bind, propagation: option };
    else if (SELINUX.includes(option)) parsed.bind = { ...parsed.bind, selinux: option };
  }
}

function toConfig(parsed: Parsed): ServiceVolumeConfig {
  const isBind = isFilePath(parsed.source);
  // Key order as compose prints it: type, source, target, read_only, bind, volume.
  const bind = isBind ? orderBind(parsed.bind ?? {}) : parsed.bind && orderBind(parsed.bind);
  const volume = isBind ? parsed.volume : (parsed.volume ?? {});
  return {
    type: isBind ? 'bind' : 'volume',
    ...(parsed.source !== '' ? { source: parsed.source } : {}),
    target: cleanTarget(parsed.target),
    ...(parsed.readOnly ? { read_only: true } : {}),
    ...(bind ? { bind } : {}),
    ...(volume ? { volume } : {}),
  };
}

function orderBind(bind: ServiceVolumeBind): ServiceVolumeBind {
  return {
    ...(bind.selinux ? { selinux: bind.selinux } : {}),
    ...(bind.propagation ? { propagation: bind.propagation } : {}),
  };
}

function isWindowsDrive(buffer: string): boolean {
  return [...buffer].length === 1 && /^\p{L}$/u.test(buffer);
}

function isFilePath(source: string): boolean {
  if (source === '') return false;
  if (source[0] === '.' || source[0] === '/' || source[0] === '~') return true;
  if (source.startsWith('\\\\')) return true; // Windows named pipe
  const [first, second] = [...source];
  return second === ':' && first !== undefined && isWindowsDrive(first);
}

/** Go's path.Clean: no trailing slash, no `.` or `..` segments, no doubled slashes. */
export function cleanTarget(target: string): string {
  if (target === '') return '';
  const normal = posix.normalize(target);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}
