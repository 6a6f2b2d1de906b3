// Validation phase: checks one compose file against our JSON Schema and explains each problem once.
//
// ajv reports every failed keyword of every union branch. We keep only the errors of the branch that
// fits the value's type (found by walking the schema beside the document, since ajv's schemaPath is
// relative to separately compiled $defs), and say "must be a string or a list of strings" when no
// branch fits. Runs per file, after interpolation and before merge, so partial services are valid.
import type { ErrorObject } from 'ajv';
import { formatKeyPath, UserError } from '../errors.js';
import { suggest } from './did-you-mean.js';
import { composeSchema, validate } from './generated/compose-validator.js';
import { locate } from './source-position.js';

type Key = string | number;
type SchemaNode = Record<string, unknown>;

/** The schema node that applies to a value, or the node none of whose forms fits the value's type. */
type Selection = { node: SchemaNode } | { mismatch: SchemaNode };

interface Problem {
  path: Key[];
  message: string;
  hint?: string | undefined;
}

/** Every schema problem of one parsed file, in document order, one error each. Empty when valid. */
export function validateComposeDocument(document: unknown): UserError[] {
  if (validate(document)) return [];
  const problems = new Map<string, Problem>();
  for (const error of validate.errors ?? []) {
    const problem = explain(document, error);
    if (!problem) continue;
    const id = `${formatKeyPath(problem.path)}\n${problem.message}`;
    if (!problems.has(id)) problems.set(id, problem);
  }
  return [...problems.values()]
    .map((problem) => ({ problem, rank: documentRank(document, problem.path) }))
    .sort((a, b) => compareRanks(a.rank, b.rank))
    .map(
      ({ problem }) =>
        new UserError(problem.message, {
          position: locate(document, problem.path),
          keyPath: problem.path.length > 0 ? formatKeyPath(problem.path) : undefined,
          hint: problem.hint,
        }),
    );
}

/** How a value reads in a message: "a string", "a list", "a map", "a number", "a boolean", "null". */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'object':
      return 'a map';
    case 'string':
      return 'a string';
    case 'number':
    case 'bigint':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return String(typeof value);
  }
}

function explain(document: unknown, error: ErrorObject): Problem | undefined {
  const path = toPath(document, error.instancePath);
  const value = valueAt(document, path);
  const selection = selectAt(document, path);
  if (!selection) return { path, message: error.message ?? 'is invalid' };
  if ('mismatch' in selection) {
    // Every keyword failing here is noise from forms the value does not have; one line covers it.
    return typeProblem(path, selection.mismatch, value);
  }
  const node = selection.node;
  // Errors from union branches the value did not take: their keywords are not on the chosen node.
  if (!(error.keyword in node)) return undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return undefined; // the chosen node accepts this type; the error came from another branch
    case 'additionalProperties':
      if (node.additionalProperties !== false) return undefined;
      return unknownKeyProblem([...path, String(params.additionalProperty)], node);
    case 'required':
      return { path, message: `missing required key "${String(params.missingProperty)}"` };
    case 'enum': {
      const allowed = Array.isArray(node.enum) ? node.enum : [];
      const near = typeof value === 'string' ? suggest(value, allowed.map(String)) : undefined;
      return {
        path,
        message: `must be ${joinAlternatives(allowed.map(showValue), 'one of ')}, got ${showValue(value)}`,
        hint: near === undefined ? undefined : `did you mean "${near}"?`,
      };
    }
    case 'pattern': {
      const expected =
        typeof node.expected === 'string' ? node.expected : `a string matching ${node.pattern}`;
      return { path, message: `must be ${expected}, got ${showValue(value)}` };
    }
    case 'format':
      return {
        path,
        message: `must be a duration such as "30s", "1m30s" or "1h", got ${showValue(value)}`,
        hint: 'units are ns, us, ms, s, m, h, d and w',
      };
    case 'minimum':
      return { path, message: `must be at least ${String(params.limit)}, got ${showValue(value)}` };
    case 'maximum':
      return { path, message: `must be at most ${String(params.limit)}, got ${showValue(value)}` };
    case 'uniqueItems': {
      // ajv's i/j order differs between its fast (scalar) and deep-equal paths; report the later one.
      const [first, repeat] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return {
        path: [...path, repeat ?? 0],
        message: `duplicate of ${formatKeyPath([...path, first ?? 0])}`,
        hint: 'list each entry once',
      };
    }
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

function typeProblem(path: Key[], node: SchemaNode, value: unknown): Problem {
  const expected = joinAlternatives(expectedForms(node));
  const got = describeJsonType(value);
  if (path.length === 0)
    return { path, message: `a compose file must be ${expected} of top-level keys, got ${got}` };
  const isService = path.length === 2 && path[0] === 'services';
  const hint = isService && typeof value === 'string' ? `did you mean "image: ${value}"?` : undefined;
  return { path, message: `must be ${expected}, got ${got}`, hint };
}

/** Name patterns of keyed maps (`services`, `volumes`, ...) and what they allow, for messages. */
const namePatternRules: Record<string, string> = {
  '^[a-zA-Z0-9._-]+$': 'names may contain only letters, digits, ".", "_" and "-"',
  '^[a-z]+$': 'names are lowercase letters, such as "nofile"',
};

function unknownKeyProblem(path: Key[], node: SchemaNode): Problem {
  const key = String(path[path.length - 1]);
  const known = Object.keys(asNode(node.properties) ?? {});
  const patterns = Object.keys(asNode(node.patternProperties) ?? {}).filter((pattern) => pattern !== '^x-');
  const extensible = '^x-' in (asNode(node.patternProperties) ?? {});
  if (known.length === 0) {
    if (key === '') return { path, message: 'keys must not be empty' };
    const rule = patterns.map((pattern) => namePatternRules[pattern] ?? `names must match ${pattern}`)[0];
    return { path, message: `invalid name "${key}"`, hint: rule };
  }
  const near = suggest(key, known);
  const didYouMean = near === undefined ? undefined : `did you mean "${near}"?`;
  const extensions = extensible ? ', or an x-* extension key' : '';
  if (path.length === 1) {
    const valid = `valid top-level keys are ${known.join(', ')} and x-* extensions`;
    return { path, message: 'unknown top-level key', hint: didYouMean ? `${didYouMean} ${valid}` : valid };
  }
  const list = known.length <= 12 ? `expected one of ${known.join(', ')}${extensions}` : undefined;
  return { path, message: 'unknown key', hint: didYouMean ?? list };
}

/** What a schema node accepts, as phrases: ["a string", "a list of strings"]. */
function expectedForms(node: SchemaNode): string[] {
  const resolved = resolve(node);
  const branches = branchesOf(resolved);
  if (branches) return [...new Set(branches.flatMap(expectedForms))];
  if (Array.isArray(resolved.enum)) return resolved.enum.map(showValue);
  return typesOf(resolved).map((type) => describeSchemaType(type, resolved));
}

function describeSchemaType(type: string, node: SchemaNode): string {
  switch (type) {
    case 'object':
      return 'a map';
    case 'array': {
      const items = asNode(node.items);
      const itemTypes = items ? typesOf(resolve(items)) : [];
      return itemTypes.length === 1 && itemTypes[0] === 'string' ? 'a list of strings' : 'a list';
    }
    case 'integer':
      return 'an integer';
    case 'null':
      return 'null';
    default:
      return `a ${type}`;
  }
}

// --- walking the schema beside the document -------------------------------------------------------

/** The schema node that governs the value at `path`, choosing union branches by the values' types. */
function selectAt(document: unknown, path: readonly Key[]): Selection | undefined {
  let node: SchemaNode = composeSchema;
  let value: unknown = document;
  for (const key of path) {
    const selection = select(node, value);
    if (!('node' in selection)) return undefined;
    const child = childSchema(selection.node, key);
    if (!child) return undefined;
    node = child;
    value = childOf(value, key);
  }
  return select(node, value);
}

function select(node: SchemaNode, value: unknown): Selection {
  const resolved = resolve(node);
  const branches = branchesOf(resolved);
  if (!branches) return acceptsType(resolved, value) ? { node: resolved } : { mismatch: resolved };
  for (const branch of branches) {
    const selection = select(branch, value);
    if ('node' in selection) return selection;
  }
  return { mismatch: resolved };
}

function childSchema(node: SchemaNode, key: Key): SchemaNode | undefined {
  if (typeof key === 'number') return asNode(node.items);
  const named = asNode(asNode(node.properties)?.[key]);
  if (named) return named;
  for (const [pattern, schema] of Object.entries(asNode(node.patternProperties) ?? {})) {
    if (new RegExp(pattern, 'u').test(key)) return asNode(schema);
  }
  return asNode(node.additionalProperties);
}

function resolve(node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 16; hops++) {
    const name = current.$ref.replace(/^#\/\$defs\//, '');
    const target = asNode(asNode(composeSchema.$defs)?.[name]);
    if (!target) break;
    current = target;
  }
  return current;
}

function branchesOf(node: SchemaNode): SchemaNode[] | undefined {
  const list = node.oneOf ?? node.anyOf;
  return Array.isArray(list)
    ? list.filter((item): item is SchemaNode => asNode(item) !== undefined)
    : undefined;
}

function typesOf(node: SchemaNode): string[] {
  if (typeof node.type === 'string') return [node.type];
  return Array.isArray(node.type) ? node.type.map(String) : [];
}

function acceptsType(node: SchemaNode, value: unknown): boolean {
  const types = typesOf(node);
  if (types.length === 0) return true;
  return types.some((type) => {
    switch (type) {
      case 'null':
        return value === null;
      case 'array':
        return Array.isArray(value);
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      case 'integer':
        return Number.isInteger(value);
      default:
        return typeof value === type;
    }
  });
}

function asNode(value: unknown): SchemaNode | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as SchemaNode)
    : undefined;
}

// --- paths and values -----------------------------------------------------------------------------

/** `/services/web/ports/0` → ['services', 'web', 'ports', 0]: list indexes become numbers. */
function toPath(document: unknown, pointer: string): Key[] {
  const path: Key[] = [];
  let current = document;
  if (pointer === '') return path;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const key: Key = Array.isArray(current) ? Number(segment) : segment;
    path.push(key);
    current = childOf(current, key);
  }
  return path;
}

function childOf(value: unknown, key: Key): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as Record<Key, unknown>)[key];
}

function valueAt(document: unknown, path: readonly Key[]): unknown {
  return path.reduce<unknown>((value, key) => childOf(value, key), document);
}

/** Where a path sits in the document: the index of each key in its map or list. */
function documentRank(document: unknown, path: readonly Key[]): number[] {
  const rank: number[] = [];
  let current = document;
  for (const key of path) {
    if (typeof key === 'number') rank.push(key);
    else if (typeof current === 'object' && current !== null) rank.push(Object.keys(current).indexOf(key));
    else rank.push(-1);
    current = childOf(current, key);
  }
  return rank;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describeJsonType(value);
}

/** ["a", "b", "c"] → "a, b or c"; with `lead` only when there is a choice ("one of ..."). */
function joinAlternatives(items: readonly string[], lead = ''): string {
  if (items.length <= 1) return items[0] ?? 'valid';
  return `${lead}${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
