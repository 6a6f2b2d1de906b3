// Which interpolated strings compose turns into numbers and booleans, as one table keyed by path.
//
// compose-go casts every string found at these paths right after substitution (whether or not it held
// a `${}`), so `read_only: "${RO:-true}"` and `read_only: "true"` both become `true`. Patterns use `*`
// for any map key (or list item) and `[]` for a list item.
import { formatKeyPath, UserError } from '../errors.js';

export type CastKind = 'int' | 'int64' | 'float' | 'float32' | 'boolean';

export interface InterpolationCast {
  readonly path: readonly string[];
  readonly kind: CastKind;
}

const service = (...rest: string[]): readonly string[] => ['services', '*', ...rest];

/** compose-go's interpolateTypeCastMapping (loader/interpolate.go). */
export const INTERPOLATION_CASTS: readonly InterpolationCast[] = [
  { path: service('cpu_count'), kind: 'int64' },
  { path: service('cpu_percent'), kind: 'float' },
  { path: service('cpu_period'), kind: 'int64' },
  { path: service('cpu_quota'), kind: 'int64' },
  { path: service('cpu_rt_period'), kind: 'int64' },
  { path: service('cpu_rt_runtime'), kind: 'int64' },
  { path: service('cpus'), kind: 'float32' },
  { path: service('cpu_shares'), kind: 'int64' },
  { path: service('init'), kind: 'boolean' },
  { path: service('depends_on', '*', 'required'), kind: 'boolean' },
  { path: service('depends_on', '*', 'restart'), kind: 'boolean' },
  { path: service('deploy', 'replicas'), kind: 'int' },
  { path: service('deploy', 'update_config', 'parallelism'), kind: 'int' },
  { path: service('deploy', 'update_config', 'max_failure_ratio'), kind: 'float' },
  { path: service('deploy', 'rollback_config', 'parallelism'), kind: 'int' },
  { path: service('deploy', 'rollback_config', 'max_failure_ratio'), kind: 'float' },
  { path: service('deploy', 'restart_policy', 'max_attempts'), kind: 'int' },
  { path: service('deploy', 'placement', 'max_replicas_per_node'), kind: 'int' },
  { path: service('healthcheck', 'retries'), kind: 'int' },
  { path: service('healthcheck', 'disable'), kind: 'boolean' },
  { path: service('oom_kill_disable'), kind: 'boolean' },
  { path: service('oom_score_adj'), kind: 'int64' },
  { path: service('pids_limit'), kind: 'int64' },
  { path: service('ports', '[]', 'target'), kind: 'int' },
  { path: service('privileged'), kind: 'boolean' },
  { path: service('read_only'), kind: 'boolean' },
  { path: service('scale'), kind: 'int' },
  { path: service('stdin_open'), kind: 'boolean' },
  { path: service('tty'), kind: 'boolean' },
  { path: service('ulimits', '*'), kind: 'int' },
  { path: service('ulimits', '*', 'hard'), kind: 'int' },
  { path: service('ulimits', '*', 'soft'), kind: 'int' },
  { path: service('volumes', '[]', 'read_only'), kind: 'boolean' },
  { path: service('volumes', '[]', 'volume', 'nocopy'), kind: 'boolean' },
  { path: ['networks', '*', 'external'], kind: 'boolean' },
  { path: ['networks', '*', 'internal'], kind: 'boolean' },
  { path: ['networks', '*', 'attachable'], kind: 'boolean' },
  { path: ['networks', '*', 'enable_ipv4'], kind: 'boolean' },
  { path: ['networks', '*', 'enable_ipv6'], kind: 'boolean' },
  { path: ['volumes', '*', 'external'], kind: 'boolean' },
  { path: ['secrets', '*', 'external'], kind: 'boolean' },
  { path: ['configs', '*', 'external'], kind: 'boolean' },
];

type PathPart = string | number;

/** The cast compose applies to a string at `path`, if any. */
export function castKindAt(path: readonly PathPart[]): CastKind | undefined {
  return INTERPOLATION_CASTS.find((cast) => pathMatches(path, cast.path))?.kind;
}

function pathMatches(path: readonly PathPart[], pattern: readonly string[]): boolean {
  if (path.length !== pattern.length) return false;
  return pattern.every((part, index) => {
    const actual = path[index];
    if (part === '*') return true;
    if (part === '[]') return typeof actual === 'number';
    return part === actual;
  });
}

/**
 * The value compose would hold for the (already interpolated) string `value` at `path`: a number or
 * boolean at a typed path, the string elsewhere. Throws a UserError naming the path and the type.
 * `onWarning` hears about YAML 1.1 spellings (`yes`, `off`, ...) that compose accepts with a warning.
 */
export function castAtPath(
  path: readonly PathPart[],
  value: string,
  onWarning?: (message: string) => void,
): string | number | boolean {
  const kind = castKindAt(path);
  if (!kind) return value;
  const cast = castValue(kind, value, onWarning);
  if (cast === undefined) {
    const { expected, hint } = DESCRIPTIONS[kind];
    throw new UserError(`expected ${expected}, found ${JSON.stringify(value)}`, {
      keyPath: formatKeyPath(path),
      hint,
    });
  }
  return cast;
}

const DESCRIPTIONS: Record<CastKind, { expected: string; hint: string }> = {
  int: { expected: 'an integer', hint: 'write a whole number such as 3, or fix the variable it comes from' },
  int64: {
    expected: 'an integer',
    hint: 'write a whole number such as 3, or fix the variable it comes from',
  },
  float: { expected: 'a number', hint: 'write a number such as 0.5, or fix the variable it comes from' },
  float32: { expected: 'a number', hint: 'write a number such as 0.5, or fix the variable it comes from' },
  boolean: { expected: 'a boolean', hint: 'write true or false, or fix the variable it comes from' },
};

/** `value` converted to `kind` with Go's strconv rules, or undefined when it does not parse. */
export function castValue(
  kind: CastKind,
  value: string,
  onWarning?: (message: string) => void,
): number | boolean | undefined {
  switch (kind) {
    case 'int':
    case 'int64':
      return parseGoInt(value);
    case 'float':
      return parseGoFloat(value, false);
    case 'float32':
      return parseGoFloat(value, true);
    case 'boolean':
      return parseComposeBoolean(value, onWarning);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.Atoi / ParseInt(s, 10, 64): optional sign, decimal digits, 64-bit range. */
function parseGoInt(value: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(value)) return undefined;
  const big = BigInt(value);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  // Beyond 2^53 the number loses precision, as any JSON reader of compose's output would.
  return Number(big);
}

const DECIMAL_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SPECIAL_FLOAT = /^[+-]?(?:inf|infinity|nan)$/i;

/**
 * strconv.ParseFloat for the decimal and inf/nan forms (not Go's rare hex floats); a value out of
 * range after rounding to 64 or 32 bits fails. A float32 keeps its decimal value: compose prints
 * float32(0.1) as 0.1, and so do we.
 */
function parseGoFloat(value: string, float32: boolean): number | undefined {
  if (SPECIAL_FLOAT.test(value)) {
    if (/nan/i.test(value)) return Number.NaN;
    return value.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!DECIMAL_FLOAT.test(value)) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) return undefined;
  if (float32 && !Number.isFinite(Math.fround(number))) return undefined;
  return number;
}

/** compose-go's toBoolean: true/false, and YAML 1.1's y/yes/on and n/no/off with a warning. */
function parseComposeBoolean(value: string, onWarning?: (message: string) => void): boolean | undefined {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  const truthy = lower === 'y' || lower === 'yes' || lower === 'on';
  const falsy = lower === 'n' || lower === 'no' || lower === 'off';
  if (!truthy && !falsy) return undefined;
  onWarning?.(
    `${JSON.stringify(value)} for boolean is not supported by YAML 1.2, please use \`${truthy ? 'true' : 'false'}\``,
  );
  return truthy;
}
