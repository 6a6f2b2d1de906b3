// `external` on top-level networks, volumes, secrets and configs: the flag, its deprecated map form, the name.
import { type KeyPath, type NormalizeScope, userError, warn } from './context.js';
import { booleanAt, type Doc, scalarText } from './records.js';
import { isPlainMap } from '../plain-object.js';

export interface ExternalInfo {
  external: boolean;
  /** The resource's real name: `name:`, else the deprecated `external.name`, else undefined. */
  name: string | undefined;
}

/**
 * Read `external` and `name` of a top-level resource. With `onlyName` (volumes, as compose checks
 * them) any other key beside `external: true` is an error.
 */
export function readExternal(
  scope: NormalizeScope,
  path: KeyPath,
  resource: Doc,
  onlyName = false,
): ExternalInfo {
  let name = resource.name === undefined || resource.name === null ? undefined : scalarText(resource.name);
  let external = false;
  const value = resource.external;
  if (isPlainMap(value)) {
    external = true;
    if (value.name !== undefined) {
      const externalName = scalarText(value.name);
      warn(scope, [...path, 'external', 'name'], 'external.name is deprecated; set name and external: true');
      if (name !== undefined && name !== externalName) {
        throw userError(
          scope,
          [...path, 'external', 'name'],
          'name and external.name conflict',
          'only use name',
        );
      }
      name = externalName;
    }
  } else if (value !== undefined && value !== null) {
    external = booleanAt(scope, [...path, 'external'], value);
  }
  if (external && onlyName) {
    for (const key of Object.keys(resource)) {
      if (key === 'name' || key === 'external' || key.startsWith('x-')) continue;
      throw userError(
        scope,
        [...path, key],
        `conflicting parameters "external" and "${key}" specified`,
        'an external resource is created outside this project; only name can be set',
      );
    }
  }
  return { external, name };
}

/** compose's default resource name: the key if external, else `<project>_<key>`. */
export function defaultResourceName(scope: NormalizeScope, key: string, info: ExternalInfo): string {
  if (info.name !== undefined) return info.name;
  return info.external ? key : `${scope.options.projectName}_${key}`;
}
