// Secrets and configs: a service's references (short name or long map) and the top-level definitions.
import { isAbsolute, resolve } from 'node:path';
import type { FileObjectConfig, ServiceFileReference } from '../model.js';
import { type KeyPath, type NormalizeScope, userError } from './context.js';
import { defaultResourceName, readExternal } from './external.js';
import {
  copyExtensions,
  type Doc,
  expandHome,
  put,
  scalarText,
  sortedRecord,
  stringMap,
} from './records.js';
import { isPlainMap } from '../plain-object.js';

/**
 * `secrets:`/`configs:` of a service (or `build.secrets`). Service secrets default their target to
 * `/run/secrets/<source>` as compose does; configs and build secrets keep it unset.
 */
export function normalizeFileReferences(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
  defaultTargetDir?: string,
): ServiceFileReference[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((item, index) => {
    const at = [...path, index];
    const source: Doc = isPlainMap(item) ? item : { source: item };
    if (source.source === undefined || source.source === null || source.source === '') {
      throw userError(
        scope,
        at,
        'a reference needs a source',
        'source: is the name of a top-level secret or config',
      );
    }
    const reference: ServiceFileReference = { source: scalarText(source.source) };
    if (source.target !== undefined && source.target !== '') reference.target = scalarText(source.target);
    else if (defaultTargetDir !== undefined) reference.target = `${defaultTargetDir}/${reference.source}`;
    if (source.uid !== undefined && source.uid !== '') reference.uid = scalarText(source.uid);
    if (source.gid !== undefined && source.gid !== '') reference.gid = scalarText(source.gid);
    if (source.mode !== undefined && source.mode !== null)
      reference.mode = fileMode(scope, [...at, 'mode'], source.mode);
    copyExtensions(source, reference);
    return reference;
  });
}

/** compose prints a mode as `0` + octal digits; text is read as octal, a number as its value. */
function fileMode(scope: NormalizeScope, path: KeyPath, value: unknown): string {
  let mode: number;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) mode = value;
  else if (typeof value === 'string' && /^[0-7]+$/.test(value)) mode = Number.parseInt(value, 8);
  else throw userError(scope, path, `expected a file mode like "0440", found ${JSON.stringify(value)}`);
  return `0${mode.toString(8)}`;
}

/**
 * Top-level `secrets:` or `configs:`. A secret needs `file` or `environment` unless external; a config
 * may also give `content`. Secret content is never kept in the printed model.
 */
export function normalizeFileObjects(
  scope: NormalizeScope,
  kind: 'secrets' | 'configs',
  value: unknown,
): Record<string, FileObjectConfig> {
  if (!isPlainMap(value)) return {};
  const sources = kind === 'secrets' ? ['file', 'environment'] : ['file', 'environment', 'content'];
  const out: Record<string, FileObjectConfig> = {};
  for (const key of Object.keys(value)) {
    const path = [kind, key];
    const source: Doc = isPlainMap(value[key]) ? (value[key] as Doc) : {};
    const info = readExternal(scope, path, source);
    const given = sources.filter((name) => source[name] !== undefined);
    if (given.length > 1) {
      throw userError(
        scope,
        path,
        `${sources.join('|')} attributes are mutually exclusive`,
        `keep only one of ${given.join(', ')}`,
      );
    }
    if (given.length === 0 && !info.external && source.driver === undefined) {
      throw userError(
        scope,
        path,
        `one of ${sources.join('|')} must be set`,
        kind === 'secrets' ? 'e.g. file: ./db_password.txt' : 'e.g. file: ./nginx.conf',
      );
    }
    const object: FileObjectConfig = { name: defaultResourceName(scope, key, info) };
    if (source.file !== undefined) object.file = filePath(scope, scalarText(source.file));
    if (source.environment !== undefined) object.environment = scalarText(source.environment);
    if (kind === 'configs' && source.content !== undefined) object.content = scalarText(source.content);
    if (info.external) object.external = true;
    put(object, 'labels', stringMap(source.labels));
    if (source.driver !== undefined) object.driver = scalarText(source.driver);
    put(object, 'driver_opts', stringMap(source.driver_opts));
    if (source.template_driver !== undefined) object.template_driver = scalarText(source.template_driver);
    copyExtensions(source, object);
    out[key] = object;
  }
  return sortedRecord(out);
}

function filePath(scope: NormalizeScope, file: string): string {
  const expanded = expandHome(scope, file);
  return isAbsolute(expanded) ? expanded : resolve(scope.options.projectDir, expanded);
}
