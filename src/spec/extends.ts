// Resolve `extends`: a service starts from another service (same file or another file) and overrides it.
import { dirname, resolve } from 'node:path';
import { formatKeyPath, UserError } from '../errors.js';
import { mergeServices } from './merge.js';
import { rebaseServicePaths } from './rebase-paths.js';
import { copyPositions, keyPosition, locate } from './source-position.js';
import { isPlainMap } from './plain-object.js';

type Doc = Record<string, unknown>;

export interface ExtendsContext {
  /** Load another compose file (absolute path) as one interpolated, validated, merged document. */
  loadFile(path: string): Promise<Doc>;
}

interface Frame {
  file: string;
  service: string;
}

/** Return `document` with every service's `extends` applied and removed. */
export async function applyExtends(document: Doc, file: string, context: ExtendsContext): Promise<Doc> {
  const services = document.services;
  if (!isPlainMap(services)) return document;
  const resolvedServices: Doc = {};
  copyPositions(services, resolvedServices);
  for (const name of Object.keys(services)) {
    resolvedServices[name] = await resolveService(document, file, name, [], context);
  }
  const out: Doc = { ...document, services: resolvedServices };
  copyPositions(document, out);
  return out;
}

async function resolveService(
  document: Doc,
  file: string,
  name: string,
  chain: Frame[],
  context: ExtendsContext,
) {
  const services = document.services as Doc;
  const service = services[name];
  if (!isPlainMap(service) || service.extends === undefined || service.extends === null) return service;
  const frame = { file, service: name };
  if (chain.some((seen) => seen.file === frame.file && seen.service === frame.service)) {
    const cycle = [...chain, frame].map((step) => `${step.service} (${step.file})`).join(' → ');
    throw new UserError(`extends cycle: ${cycle}`, {
      position: keyPosition(service, 'extends'),
      keyPath: formatKeyPath(['services', name, 'extends']),
      hint: 'a service cannot extend itself, directly or through others',
    });
  }
  const reference = service.extends;
  const baseName =
    typeof reference === 'string' ? reference : isPlainMap(reference) ? String(reference.service) : '';
  const baseFileName = isPlainMap(reference) && typeof reference.file === 'string' ? reference.file : undefined;
  const position = locate(service, ['extends']);
  const keyPath = formatKeyPath(['services', name, 'extends']);

  let baseDocument = document;
  let baseFile = file;
  if (baseFileName !== undefined) {
    baseFile = resolve(dirname(file), baseFileName);
    try {
      baseDocument = await context.loadFile(baseFile);
    } catch (error) {
      if (error instanceof UserError && error.reason === 'missing-file' && !error.position) {
        throw new UserError(`extends file ${baseFile} not found`, {
          position,
          keyPath,
          hint: 'the file: of extends is relative to the file that contains it',
          reason: 'missing-file',
        });
      }
      throw error;
    }
  }
  const baseServices = isPlainMap(baseDocument.services) ? baseDocument.services : {};
  if (!isPlainMap(baseServices[baseName])) {
    const where = baseFileName === undefined ? 'this file' : baseFile;
    const known = Object.keys(baseServices);
    throw new UserError(`cannot extend service "${name}": service "${baseName}" not found in ${where}`, {
      position,
      keyPath,
      hint: known.length ? `services there: ${known.join(', ')}` : 'that file has no services',
    });
  }
  let base: unknown = await resolveService(baseDocument, baseFile, baseName, [...chain, frame], context);
  if (baseFile !== file && isPlainMap(base)) base = rebaseServicePaths(base, dirname(baseFile));
  const own: Doc = { ...service };
  copyPositions(service, own);
  delete own.extends;
  return mergeServices(isPlainMap(base) ? base : {}, own, name);
}
