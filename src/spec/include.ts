// Resolve `include`: load other compose projects and import their resources into this one.
import { dirname, resolve } from 'node:path';
import { formatKeyPath, UserError } from '../errors.js';
import { isFile } from './is-file.js';
import { mergeResources } from './merge.js';
import { rebaseDocumentPaths } from './rebase-paths.js';
import { copyPositions, locate } from './source-position.js';
import { isPlainMap } from './plain-object.js';

type Doc = Record<string, unknown>;

/** The resource sections an included project contributes. */
const IMPORTED_SECTIONS = ['services', 'volumes', 'networks', 'secrets', 'configs', 'models'] as const;

export interface IncludeRequest {
  files: string[];
  projectDir: string;
  envFiles: string[];
}

export interface IncludeContext {
  /** Load a sub-project's files (already resolved) with its own directory and env files. */
  loadProject(request: IncludeRequest, chain: string[]): Promise<Doc>;
  /** Files on the path from the top project to this one, to detect include cycles. */
  chain: string[];
}

/** Return `document` with its `include` entries loaded, imported and removed. */
export async function applyInclude(document: Doc, file: string, context: IncludeContext): Promise<Doc> {
  const entries = document.include;
  if (entries === undefined || entries === null) return document;
  const out: Doc = { ...document };
  copyPositions(document, out);
  delete out.include;
  const list = Array.isArray(entries) ? entries : [entries];
  for (const [index, entry] of list.entries()) {
    const where = {
      position: locate(document, ['include', index]),
      keyPath: formatKeyPath(['include', index]),
    };
    const request = includeRequest(entry, dirname(file), where);
    const first = request.files[0]!;
    if (context.chain.includes(first) || first === file) {
      throw new UserError(`include cycle: ${[...context.chain, file, first].join(' → ')}`, {
        ...where,
        hint: 'a compose file cannot include itself, directly or through others',
      });
    }
    const imported = rebaseDocumentPaths(
      await context.loadProject(request, [...context.chain, file]),
      request.projectDir,
    );
    importResources(imported, out);
  }
  return out;
}

function includeRequest(
  entry: unknown,
  baseDir: string,
  where: { position: ReturnType<typeof locate>; keyPath: string },
): IncludeRequest {
  const spec = typeof entry === 'string' ? { path: entry } : (entry as Doc);
  const paths = (Array.isArray(spec.path) ? spec.path : [spec.path]).map((path) =>
    resolve(baseDir, String(path)),
  );
  for (const path of paths) {
    if (!isFile(path)) {
      throw new UserError(`included file ${path} not found`, {
        ...where,
        hint: 'include paths are relative to the file that includes them',
        reason: 'missing-file',
      });
    }
  }
  const projectDir =
    typeof spec.project_directory === 'string'
      ? resolve(baseDir, spec.project_directory)
      : dirname(paths[0]!);
  const named =
    spec.env_file === undefined ? [] : Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file];
  const envFiles = named.map((path) => resolve(baseDir, String(path))).filter((path) => path !== '/dev/null');
  if (named.length === 0 && isFile(resolve(projectDir, '.env'))) envFiles.push(resolve(projectDir, '.env'));
  for (const path of envFiles) {
    if (!isFile(path)) {
      throw new UserError(`env file ${path} of an include not found`, {
        ...where,
        hint: 'check env_file: of this include',
        reason: 'missing-file',
      });
    }
  }
  return { files: paths, projectDir, envFiles };
}

/** Add the included resources; a resource also defined here is merged, this file's definition winning. */
function importResources(imported: Doc, target: Doc): void {
  for (const section of IMPORTED_SECTIONS) {
    const from = imported[section];
    if (!isPlainMap(from)) continue;
    const existing = isPlainMap(target[section]) ? (target[section] as Doc) : {};
    const to: Doc = { ...existing };
    copyPositions(existing, to);
    for (const [name, resource] of Object.entries(from)) {
      const own = to[name];
      to[name] =
        isPlainMap(own) && isPlainMap(resource) ? mergeResources(section, name, resource, own) : (own ?? resource);
    }
    target[section] = to;
  }
}
