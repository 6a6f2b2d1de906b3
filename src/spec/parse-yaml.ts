// Parse phase: compose file bytes → plain JS documents whose keys remember their file:line:col.
//
// We walk the `yaml` node tree ourselves instead of calling `toJS()` so that every key gets a
// position, `!reset`/`!override` become markers for the merge phase, `<<` merge keys follow YAML
// 1.1 rules (explicit keys win), and alias expansion is bounded before any later phase can blow up.
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type ScalarTag,
} from 'yaml';
import { type SourcePosition, UserError } from '../errors.js';
import { setKey } from './plain-object.js';
import { keyPosition, setKeyPosition, setValuePosition } from './source-position.js';
import { OverrideTag, ResetTag } from './yaml-tags.js';

/** Compose files larger than this are refused before parsing. */
export const MAX_COMPOSE_FILE_BYTES = 16 * 1024 * 1024;
/** Expanded size allowed beyond the file's own node count: aliases may repeat, not multiply. */
const ALIAS_EXPANSION_ALLOWANCE = 200_000;
const ALIAS_EXPANSION_FACTOR = 4;
const MAX_REPORTED_YAML_ERRORS = 5;

/**
 * docker compose's YAML library reads a plain `0444` as octal (Go's base-0 integer parsing), so
 * `mode: 0444` means 292 there; YAML 1.2 alone would read 444. We follow compose.
 */
const GO_OCTAL_INT: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^[-+]?0[0-7]+$/,
  resolve: (text) => Number.parseInt(text, 8),
};

export interface ParsedComposeFile {
  file: string;
  /** One entry per YAML document (`---`); compose merges them in order. */
  documents: Record<string, unknown>[];
}

/** Decode and parse one compose file. `file` is the name used in messages. */
export function parseComposeFile(bytes: Uint8Array, file: string): ParsedComposeFile {
  if (bytes.byteLength > MAX_COMPOSE_FILE_BYTES) {
    throw new UserError(
      `file is ${(bytes.byteLength / 1048576).toFixed(1)} MiB; compose files are limited to ${MAX_COMPOSE_FILE_BYTES / 1048576} MiB`,
      {
        position: { file, line: 1, col: 1 },
        hint: 'split it with include: or check that this is the right file',
      },
    );
  }
  const text = decodeUtf8(bytes, file);
  if (text.trim() === '') {
    throw new UserError('empty compose file', {
      position: { file, line: 1, col: 1 },
      hint: 'a compose file needs at least a services: section',
    });
  }
  return { file, documents: parseComposeText(text, file) };
}

export function parseComposeText(text: string, file: string): Record<string, unknown>[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    // Checked by our walk with a Set: yaml's own check compares every key with every other (O(n²)).
    uniqueKeys: false,
    prettyErrors: false,
    version: '1.2',
    schema: 'core',
    merge: true,
    customTags: (tags) => [GO_OCTAL_INT, ...tags],
  });
  const list = Array.isArray(docs) ? docs : [docs];
  const documents: Record<string, unknown>[] = [];
  for (const doc of list) {
    throwFirstYamlError(doc, file, lineCounter);
    if (doc.contents === null) continue; // an empty document between `---` markers
    const converter = new NodeConverter(doc, file, lineCounter, text.length);
    const value = converter.convertRoot();
    documents.push(value);
  }
  if (documents.length === 0) {
    throw new UserError('empty compose file', {
      position: { file, line: 1, col: 1 },
      hint: 'a compose file needs at least a services: section',
    });
  }
  return documents;
}

/** The file's text; a UserError at the first byte that is not UTF-8 (or for UTF-16). */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new UserError('file is UTF-16 encoded', {
      position: { file, line: 1, col: 1 },
      hint: 'save it as UTF-8',
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = lossy.indexOf('\uFFFD');
    const position = positionOfOffset(lossy, Math.max(at, 0), file);
    throw new UserError('file is not valid UTF-8', {
      position,
      hint: 'save it as UTF-8 (for example with `iconv -t UTF-8`)',
    });
  }
}

function positionOfOffset(text: string, offset: number, file: string): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { file, line, col: offset - lineStart + 1 };
}

function throwFirstYamlError(doc: Document.Parsed, file: string, lineCounter: LineCounter): void {
  const errors = doc.errors;
  if (errors.length === 0) return;
  const toUserError = (error: (typeof errors)[number]): UserError => {
    const offset = error.pos[0];
    const { line, col } = lineCounter.linePos(offset);
    return new UserError(`invalid YAML: ${firstLine(error.message)}`, { position: { file, line, col } });
  };
  // One broken line can cascade into thousands of parser errors; the first few say it all.
  throw UserError.combine(errors.slice(0, MAX_REPORTED_YAML_ERRORS).map(toUserError));
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
}

class NodeConverter {
  private expanded = 0;
  private readonly limit: number;
  private readonly aliasCache = new Map<Node, unknown>();
  private readonly aliasSize = new Map<Node, number>();
  /**
   * Anchors seen so far, in document order. `Alias.resolve()` of the yaml package walks the whole
   * document on every call (quadratic for files that reuse anchors); our walk is in document order,
   * so an alias always refers to the latest anchor of that name already registered here.
   */
  private readonly anchors = new Map<string, Node>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly file: string,
    private readonly lineCounter: LineCounter,
    sourceLength: number,
  ) {
    // Every node takes at least one character of source, so the length bounds the node count
    // without a walk over the whole document just to count.
    this.limit = ALIAS_EXPANSION_ALLOWANCE + ALIAS_EXPANSION_FACTOR * sourceLength;
  }

  convertRoot(): Record<string, unknown> {
    const root = this.doc.contents;
    if (!isMap(root)) {
      const kind = isSeq(root) ? 'a list' : isScalar(root) ? 'a scalar' : 'not a map';
      throw new UserError(`top-level object must be a map, got ${kind}`, {
        position: this.position(root),
        hint: 'start the file with `services:`',
      });
    }
    return this.convert(root) as Record<string, unknown>;
  }

  private position(node: unknown): SourcePosition {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const { line, col } = this.lineCounter.linePos(range?.[0] ?? 0);
    return { file: this.file, line, col };
  }

  private convert(node: unknown): unknown {
    if (++this.expanded > this.limit) {
      throw new UserError('YAML aliases expand to too many nodes (an alias bomb?)', {
        position: this.position(node),
        hint: `expansion is limited to ${this.limit} nodes; use fewer nested aliases`,
      });
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.convertAlias(node);
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) this.anchors.set(anchor, node as Node);
    const tag = (node as { tag?: string }).tag;
    if (tag === '!reset') return new ResetTag();
    if (tag === '!override') return new OverrideTag(this.convertUntagged(node));
    if (tag !== undefined && !tag.startsWith('tag:yaml.org,2002:')) {
      throw new UserError(`unknown YAML tag ${tag}`, {
        position: this.position(node),
        hint: 'compose files understand !reset and !override; quote the value if it is text',
      });
    }
    return this.convertUntagged(node);
  }

  private convertUntagged(node: unknown): unknown {
    if (isScalar(node)) return node.value ?? null;
    if (isSeq(node)) {
      const list: unknown[] = [];
      setValuePosition(list, this.position(node));
      node.items.forEach((item, index) => {
        list.push(this.convert(item));
        setKeyPosition(list, index, this.position(item));
      });
      return list;
    }
    if (isMap(node)) return this.convertMap(node);
    throw new UserError('unsupported YAML node', { position: this.position(node) });
  }

  private convertAlias(alias: Node & { source: string }): unknown {
    const target = this.anchors.get(alias.source);
    if (!target) {
      throw new UserError(`unknown alias *${alias.source}`, {
        position: this.position(alias),
        hint: `define the anchor &${alias.source} before using it`,
      });
    }
    // Share the converted value (later phases never mutate), but charge its full expanded size,
    // so a billion-laughs file fails here in milliseconds instead of exploding in a later phase.
    this.expanded += this.expandedSize(target) - 1;
    const cached = this.aliasCache.get(target);
    if (cached !== undefined) return cached;
    const saved = this.expanded;
    const value = this.convert(target);
    this.expanded = saved;
    this.aliasCache.set(target, value);
    return value;
  }

  private expandedSize(node: unknown): number {
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      return target ? this.expandedSize(target) : 1;
    }
    const known = this.aliasSize.get(node as Node);
    if (known !== undefined) return known;
    let size = 1;
    if (isSeq(node)) for (const item of node.items) size += this.expandedSize(item);
    else if (isMap(node)) for (const pair of node.items) size += 1 + this.expandedSize(pair.value);
    size = Math.min(size, Number.MAX_SAFE_INTEGER);
    this.aliasSize.set(node as Node, size);
    if (size > this.limit) {
      throw new UserError('YAML aliases expand to too many nodes (an alias bomb?)', {
        position: this.position(node),
        hint: `expansion is limited to ${this.limit} nodes; use fewer nested aliases`,
      });
    }
    return size;
  }

  private convertMap(node: Node): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    setValuePosition(map, this.position(node));
    const merged: Array<Record<string, unknown>> = [];
    const seen = new Set<string>();
    for (const pair of (node as unknown as { items: unknown[] }).items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key;
      if (isMergeKey(keyNode)) {
        merged.push(...this.mergeSources(pair.value));
        continue;
      }
      const key = this.keyString(keyNode);
      if (seen.has(key)) {
        throw new UserError(`duplicate key "${key}"`, {
          position: this.position(keyNode),
          hint: 'each key may appear once in a map; remove or rename one of them',
        });
      }
      seen.add(key);
      setKey(map, key, this.convert(pair.value));
      setKeyPosition(map, key, this.position(keyNode));
    }
    // `<<: [*a, *b]`: keys already present win; among sources, earlier ones win.
    for (const source of merged) {
      for (const [key, value] of Object.entries(source)) {
        if (Object.hasOwn(map, key)) continue;
        setKey(map, key, value);
        const position = keyPosition(source, key);
        if (position) setKeyPosition(map, key, position);
      }
    }
    return map;
  }

  private mergeSources(value: unknown): Array<Record<string, unknown>> {
    const nodes = isSeq(value) ? value.items : [value];
    return nodes.map((item) => {
      const converted = this.convert(item);
      if (converted === null || typeof converted !== 'object' || Array.isArray(converted)) {
        throw new UserError('merge key << must refer to a map or a list of maps', {
          position: this.position(item),
        });
      }
      return converted as Record<string, unknown>;
    });
  }

  private keyString(keyNode: unknown): string {
    if (isScalar(keyNode)) {
      const value = keyNode.value;
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(keyNode.source ?? value);
      if (value === null) {
        throw new UserError('a map key is empty (null)', {
          position: this.position(keyNode),
          hint: 'give the key a name, or quote it',
        });
      }
    }
    throw new UserError('a map key must be a string, not a list or a map', {
      position: this.position(keyNode),
    });
  }
}

function isMergeKey(keyNode: unknown): boolean {
  // With `merge: true` the yaml package gives a plain `<<` key a symbol value.
  return isScalar(keyNode) && typeof keyNode.value === 'symbol' && keyNode.source === '<<';
}

