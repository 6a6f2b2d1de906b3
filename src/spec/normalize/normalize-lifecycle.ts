// How a service runs and waits: `command`/`entrypoint`, `healthcheck`, `depends_on`, lifecycle hooks.
import type { HealthCheckConfig, ServiceDependency, ServiceHook } from '../model.js';
import { parseShellWords } from '../syntax/shell-words.js';
import { type KeyPath, type NormalizeScope, parseAt, userError, warn } from './context.js';
import { parseEnvironment } from './normalize-environment.js';
import {
  booleanAt,
  copyExtensions,
  cutOnce,
  type Doc,
  integerAt,
  scalarText,
  sortedRecord,
} from './records.js';
import { durationAt } from './units.js';
import { isPlainMap } from '../plain-object.js';

/**
 * compose's ShellCommand: a list as written, a string split like a shell would (no expansion).
 * `null` means unset. compose silently stops at an unquoted `&&`, `|`, `;`...; we do the same but warn.
 */
export function normalizeCommand(scope: NormalizeScope, path: KeyPath, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(scalarText);
  const text = scalarText(value);
  const { words, ignoredRest } = parseAt(scope, path, () => parseShellWords(text));
  if (ignoredRest !== undefined) {
    warn(
      scope,
      path,
      `compose reads this command only up to "${ignoredRest.trim().slice(0, 20)}"; the rest is dropped — use a list, or ["sh", "-c", "..."] for shell syntax`,
    );
  }
  return words;
}

const HEALTHCHECK_TEST_KINDS = ['CMD', 'CMD-SHELL', 'NONE'];

export function normalizeHealthcheck(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
): HealthCheckConfig | undefined {
  if (!isPlainMap(value)) return undefined;
  const out: HealthCheckConfig = {};
  if (typeof value.test === 'string') out.test = ['CMD-SHELL', value.test];
  else if (Array.isArray(value.test)) out.test = value.test.map(scalarText);
  const kind = out.test?.[0];
  if (kind !== undefined && !HEALTHCHECK_TEST_KINDS.includes(kind)) {
    throw userError(
      scope,
      [...path, 'test'],
      `healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE", found "${kind}"`,
      `write ["CMD", ${JSON.stringify(kind)}, ...] to run it directly, or a plain string to run it in a shell`,
    );
  }
  for (const key of ['timeout', 'interval'] as const) {
    const duration = durationAt(scope, [...path, key], value[key]);
    if (duration !== undefined) out[key] = duration;
  }
  if (value.retries !== undefined && value.retries !== null)
    out.retries = integerAt(scope, [...path, 'retries'], value.retries);
  for (const key of ['start_period', 'start_interval'] as const) {
    const duration = durationAt(scope, [...path, key], value[key]);
    if (duration !== undefined) out[key] = duration;
  }
  if (value.disable !== undefined && booleanAt(scope, [...path, 'disable'], value.disable))
    out.disable = true;
  copyExtensions(value, out);
  return out;
}

const NAMESPACE_KEYS = ['network_mode', 'ipc', 'pid', 'uts', 'cgroup'] as const;

/**
 * `depends_on` in long form (`condition: service_started`, `required: true` by default), plus the
 * implicit dependencies compose adds: `links`, `service:x` namespaces (restart: true) and
 * `volumes_from` services (restart: false), unless already declared.
 */
export function normalizeDependsOn(
  scope: NormalizeScope,
  path: KeyPath,
  service: Doc,
): Record<string, ServiceDependency> | undefined {
  const out: Record<string, ServiceDependency> = {};
  const declared = service.depends_on;
  if (Array.isArray(declared)) {
    for (const name of declared) out[scalarText(name)] = { condition: 'service_started', required: true };
  } else if (isPlainMap(declared)) {
    for (const [name, config] of Object.entries(declared)) {
      const at = [...path, 'depends_on', name];
      const source: Doc = isPlainMap(config) ? config : {};
      const dependency = {
        condition: source.condition === undefined ? 'service_started' : scalarText(source.condition),
      } as ServiceDependency;
      if (source.restart !== undefined && booleanAt(scope, [...at, 'restart'], source.restart))
        dependency.restart = true;
      dependency.required =
        source.required === undefined ? true : booleanAt(scope, [...at, 'required'], source.required);
      copyExtensions(source, dependency);
      out[name] = dependency;
    }
  }
  const implied = (name: string, restart: boolean) => {
    if (out[name]) return;
    out[name] = restart
      ? { condition: 'service_started', restart: true, required: true }
      : { condition: 'service_started', required: true };
  };
  if (Array.isArray(service.links)) {
    for (const link of service.links) {
      const parts = scalarText(link).split(':');
      implied(parts.length === 2 ? (parts[0] as string) : scalarText(link), true);
    }
  }
  for (const key of NAMESPACE_KEYS) {
    const ref = service[key];
    if (typeof ref === 'string' && ref.startsWith('service:')) implied(ref.slice('service:'.length), true);
  }
  if (Array.isArray(service.volumes_from)) {
    for (const item of service.volumes_from) {
      const text = scalarText(item);
      if (!text.startsWith('container:')) implied(cutOnce(text, ':')[0], false);
    }
  }
  return Object.keys(out).length > 0 ? sortedRecord(out) : undefined;
}

/** `pre_start`/`post_start`/`pre_stop` hooks; `pre_start` hooks inherit the service image. */
export function normalizeHooks(
  scope: NormalizeScope,
  path: KeyPath,
  value: unknown,
  inheritedImage?: string,
): ServiceHook[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((item, index) => {
    const at = [...path, index];
    const source: Doc = isPlainMap(item) ? item : {};
    const hook: ServiceHook = {};
    const command = normalizeCommand(scope, [...at, 'command'], source.command);
    if (command !== undefined) hook.command = command;
    const image = source.image === undefined ? inheritedImage : scalarText(source.image);
    if (image !== undefined && image !== '') hook.image = image;
    if (source.user !== undefined) hook.user = scalarText(source.user);
    if (source.privileged !== undefined && booleanAt(scope, [...at, 'privileged'], source.privileged))
      hook.privileged = true;
    if (source.working_dir !== undefined) hook.working_dir = scalarText(source.working_dir);
    if (source.environment !== undefined && source.environment !== null) {
      const environment = parseEnvironment(scope, [...at, 'environment'], source.environment);
      if (Object.keys(environment).length > 0) hook.environment = sortedRecord(environment);
    }
    if (source.per_replica !== undefined && booleanAt(scope, [...at, 'per_replica'], source.per_replica))
      hook.per_replica = true;
    copyExtensions(source, hook);
    return hook;
  });
}
