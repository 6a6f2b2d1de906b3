// Read a list of compose files into one merged raw document: per file parse → interpolate →
// validate → include → extends, then merge the files in order (compose-go's order).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { UserError, type Warning } from '../errors.js';
import { readEnvFile } from './env-file.js';
import { applyExtends } from './extends.js';
import { applyInclude, type IncludeRequest } from './include.js';
import { type EnvLookup, interpolateDocument } from './interpolate.js';
import { enforceUniqueness, mergeDocuments, resolveTags } from './merge.js';
import { parseComposeFile } from './parse-yaml.js';
import { keyPosition } from './source-position.js';
import { validateComposeDocument } from './validate.js';

type Doc = Record<string, unknown>;

export interface ComposeFilesContext {
  lookup: EnvLookup;
  interpolate: boolean;
  warnings: Warning[];
  /** Directory that file names in messages are shown relative to. */
  displayBase: string;
  /** Reads standard input when a file is `-`. */
  readStdin?: (() => Uint8Array) | undefined;
}

/** Load and merge `files` (absolute paths, or `-`). The result has no tags, includes or extends left. */
export async function loadComposeFiles(files: string[], context: ComposeFilesContext, chain: string[] = []) {
  const cache = new Map<string, Promise<Doc>>();
  const loadFile = (path: string): Promise<Doc> => {
    let loaded = cache.get(path);
    if (!loaded) {
      loaded = loadComposeFiles([path], context, chain);
      cache.set(path, loaded);
    }
    return loaded;
  };
  const loadProject = async (request: IncludeRequest, includeChain: string[]): Promise<Doc> => {
    const values = new Map<string, string>();
    for (const envFile of request.envFiles) {
      for (const [key, value] of await readEnvFile(envFile, { lookup: context.lookup }))
        values.set(key, value);
    }
    // The including project's environment wins over the included project's env files.
    const lookup: EnvLookup = (name) => context.lookup(name) ?? values.get(name);
    return loadComposeFiles(request.files, { ...context, lookup }, includeChain);
  };

  let merged: Doc | undefined;
  for (const file of files) {
    for (let document of readDocuments(file, context)) {
      if (context.interpolate) {
        document = interpolateDocument(document, context.lookup, { warnings: context.warnings }) as Doc;
      }
      validate(document, context);
      document = await applyInclude(document, file, { loadProject, chain });
      document = await applyExtends(document, file, { loadFile });
      merged = merged ? mergeDocuments(merged, document) : resolveTags(document);
    }
  }
  return enforceUniqueness(merged ?? {});
}

function readDocuments(file: string, context: ComposeFilesContext): Doc[] {
  const display = file === '-' ? '(stdin)' : displayName(file, context.displayBase);
  let bytes: Uint8Array;
  try {
    bytes = file === '-' ? (context.readStdin?.() ?? readFileSync(0)) : readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`compose file ${display} not found`, { hint: 'check the path', reason: 'missing-file' });
    }
    throw new UserError(`cannot read ${display}: ${code}`);
  }
  return parseComposeFile(bytes, display).documents;
}

function validate(document: Doc, context: ComposeFilesContext): void {
  const plain = resolveTags(document);
  const errors = validateComposeDocument(plain);
  if (errors.length > 0) {
    const [first, ...rest] = errors;
    throw new UserError(first!.message, {
      position: first!.position,
      keyPath: first!.keyPath,
      hint: first!.hint,
      related: [...first!.related, ...rest],
    });
  }
  if ('version' in plain) {
    context.warnings.push({
      message: 'the attribute `version` is obsolete, it will be ignored; remove it to avoid confusion',
      position: keyPosition(plain, 'version'),
      keyPath: 'version',
    });
  }
}

/** Paths under the working directory are shown relative to it, others in full. */
export function displayName(file: string, base: string): string {
  const rel = relative(base, file);
  return rel && !rel.startsWith('..') ? rel : file;
}
