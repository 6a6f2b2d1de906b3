// The small part of Go's templates that `inspect --format` is used with: {{.A.B}}, {{json .A}}, {{index .A "key"}} (pure).
import { UserError } from '../errors.js';

type Action =
  | { kind: 'text'; text: string }
  | { kind: 'field'; path: string[]; json: boolean; index?: string | undefined };

const FIELD = String.raw`\.((?:[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?`;
const ACTION_FORMS: readonly [RegExp, (match: RegExpExecArray) => Action][] = [
  [new RegExp(`^${FIELD}$`), (match) => ({ kind: 'field', path: fieldPath(match[1]), json: false })],
  [new RegExp(`^json\\s+${FIELD}$`), (match) => ({ kind: 'field', path: fieldPath(match[1]), json: true })],
  [new RegExp(`^index\\s+${FIELD}\\s+"((?:[^"\\\\]|\\\\.)*)"$`), (match) => ({ kind: 'field', path: fieldPath(match[1]), json: false, index: JSON.parse(`"${match[2] ?? ''}"`) as string })],
];

function fieldPath(text: string | undefined): string[] {
  return text ? text.split('.') : [];
}

/** Parse once; a construct outside the supported part is a UserError naming it. */
export function parseInspectTemplate(template: string): Action[] {
  const actions: Action[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      actions.push({ kind: 'text', text: rest });
      break;
    }
    if (open > 0) actions.push({ kind: 'text', text: rest.slice(0, open) });
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new UserError(`--format: unclosed action in ${JSON.stringify(template)}`, { hint: 'e.g. --format "{{.State.Status}}"' });
    const body = rest.slice(open + 2, close).replace(/^-\s*/, '').replace(/\s*-$/, '').trim();
    const form = ACTION_FORMS.map(([pattern, build]) => {
      const match = pattern.exec(body);
      return match ? build(match) : undefined;
    }).find((action) => action !== undefined);
    if (!form) {
      throw new UserError(`--format: berth does not understand {{${body}}}`, { hint: 'supported: {{.Field.Path}}, {{json .Field}}, {{index .Field "key"}}, or --format json' });
    }
    actions.push(form);
    rest = rest.slice(close + 2);
  }
  return actions;
}

function lookup(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A value as text: scalars as Go prints them, a missing key as Go's `<no value>`, anything else as JSON. */
function printed(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The template applied to one document (without the newline `inspect` adds after each). */
export function renderInspectTemplate(actions: readonly Action[], document: unknown): string {
  return actions
    .map((action) => {
      if (action.kind === 'text') return action.text;
      let value = lookup(document, action.path);
      // Go's index of a missing key gives the map's zero value: "" for labels.
      if (action.index !== undefined) value = lookup(value, [action.index]) ?? '';
      return action.json ? JSON.stringify(value ?? null) : printed(value);
    })
    .join('');
}
