// Read registry manifests: tell an index from an image manifest, check their shape and media types, pick a platform.
import { UserError } from '../../errors.js';
import { type Descriptor, type ImageIndex, type ImageManifest, isIndexMediaType, isManifestMediaType, MEDIA_TYPE, type Platform } from '../media-types.js';

/** Manifests larger than this are refused before parsing: real ones are a few KiB. */
export const MANIFEST_SIZE_LIMIT = 4 * 1024 * 1024;

/** What `Accept` asks for on manifest requests, most wanted first. */
export const MANIFEST_ACCEPT = [MEDIA_TYPE.ociIndex, MEDIA_TYPE.dockerManifestList, MEDIA_TYPE.ociManifest, MEDIA_TYPE.dockerManifest].join(', ');

export const LAYER_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MEDIA_TYPE.ociLayer,
  MEDIA_TYPE.ociLayerGzip,
  MEDIA_TYPE.ociLayerZstd,
  MEDIA_TYPE.ociLayerNondistributableGzip,
  MEDIA_TYPE.dockerLayerGzip,
  MEDIA_TYPE.dockerForeignLayerGzip,
]);
const CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPE.ociConfig, MEDIA_TYPE.dockerConfig]);

export type ManifestDocument =
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex }
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest };

export const LINUX_AMD64: Platform = { os: 'linux', architecture: 'amd64' };

/**
 * Parse manifest bytes. The media type is the response's Content-Type, else the document's own
 * `mediaType` field; anything but the four known types is refused (schema1 included).
 */
export function parseManifestDocument(bytes: Uint8Array, contentType: string | undefined, source: string): ManifestDocument {
  try {
    return parseDocument(bytes, contentType, source);
  } catch (error) {
    // Every refusal says what the user can do, which is little: the document is the registry's.
    if (!(error instanceof UserError) || error.hint !== undefined) throw error;
    throw error.with({ hint: `the registry serves a broken or foreign document for this image; look at it with skopeo inspect --raw docker://${source}, or push the image again` });
  }
}

function parseDocument(bytes: Uint8Array, contentType: string | undefined, source: string): ManifestDocument {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new UserError(`the manifest of ${source} is not valid JSON`);
  }
  if (!isRecord(value)) throw new UserError(`the manifest of ${source} is not a JSON object`);
  const declared = typeof value['mediaType'] === 'string' ? value['mediaType'] : undefined;
  const header = contentType?.split(';')[0]?.trim();
  // Registries answer application/json for documents stored without a type; trust the document then.
  const mediaType = header !== undefined && header !== '' && header !== 'application/json' && header !== 'text/plain' ? header : declared;
  if (mediaType === undefined) {
    // An OCI document may omit mediaType: its shape says what it is.
    if (Array.isArray(value['manifests'])) return { kind: 'index', mediaType: MEDIA_TYPE.ociIndex, index: checkIndex(value, source) };
    if (isRecord(value['config'])) return { kind: 'manifest', mediaType: MEDIA_TYPE.ociManifest, manifest: checkManifest(value, source) };
    throw new UserError(`the manifest of ${source} has no media type and is neither an index nor an image manifest`);
  }
  if (declared !== undefined && declared !== mediaType) {
    throw new UserError(`the manifest of ${source} says it is ${declared} but the registry served it as ${mediaType}`);
  }
  if (isIndexMediaType(mediaType)) return { kind: 'index', mediaType, index: checkIndex(value, source) };
  if (isManifestMediaType(mediaType)) return { kind: 'manifest', mediaType, manifest: checkManifest(value, source) };
  throw new UserError(`the manifest of ${source} has the unsupported media type "${mediaType}"`, {
    hint: /manifest\.v1\+/.test(mediaType)
      ? 'Docker schema 1 images are no longer supported (nor pulled by docker); push the image again with a current docker, podman or skopeo'
      : 'berth reads OCI image manifests and indexes and Docker schema2 manifests and manifest lists',
  });
}

function checkIndex(value: Record<string, unknown>, source: string): ImageIndex {
  if (value['schemaVersion'] !== 2) throw new UserError(`the index of ${source} has schemaVersion ${String(value['schemaVersion'])}, expected 2`);
  const manifests = value['manifests'];
  if (!Array.isArray(manifests)) throw new UserError(`the index of ${source} has no "manifests" list`);
  manifests.forEach((entry, i) => checkDescriptor(entry, `${source}: manifests[${i}]`));
  return value as unknown as ImageIndex;
}

function checkManifest(value: Record<string, unknown>, source: string): ImageManifest {
  if (value['schemaVersion'] !== 2) throw new UserError(`the manifest of ${source} has schemaVersion ${String(value['schemaVersion'])}, expected 2`);
  const config = checkDescriptor(value['config'], `${source}: config`);
  if (!CONFIG_MEDIA_TYPES.has(config.mediaType)) {
    throw new UserError(`the manifest of ${source} has a config of unsupported media type "${config.mediaType}"`, { hint: 'this is not a container image (an artifact?)' });
  }
  const layers = value['layers'];
  if (!Array.isArray(layers)) throw new UserError(`the manifest of ${source} has no "layers" list`);
  layers.forEach((entry, i) => {
    const layer = checkDescriptor(entry, `${source}: layers[${i}]`);
    if (!LAYER_MEDIA_TYPES.has(layer.mediaType)) throw new UserError(`layer ${i} of ${source} has the unsupported media type "${layer.mediaType}"`);
  });
  return value as unknown as ImageManifest;
}

function checkDescriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw new UserError(`${where} is not a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string') throw new UserError(`${where} has no mediaType`);
  if (typeof digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(digest)) throw new UserError(`${where} has an invalid digest "${String(digest)}"`, { hint: 'berth verifies sha256 digests only' });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new UserError(`${where} has an invalid size "${String(size)}"`);
  return value as unknown as Descriptor;
}

/** The index entry for a platform (os, architecture, and variant when asked); a UserError listing what there is otherwise. */
export function selectPlatformManifest(index: ImageIndex, wanted: Platform, source: string): Descriptor {
  const candidates = index.manifests.filter(
    (entry) =>
      isManifestMediaType(entry.mediaType) &&
      entry.platform?.os === wanted.os &&
      entry.platform.architecture === wanted.architecture &&
      (wanted.variant === undefined || entry.platform.variant === wanted.variant),
  );
  const chosen = candidates[0];
  if (chosen !== undefined) return chosen;
  const available = index.manifests
    .map((entry) => (entry.platform ? `${entry.platform.os}/${entry.platform.architecture}${entry.platform.variant ? `/${entry.platform.variant}` : ''}` : '(no platform)'))
    .join(', ');
  throw new UserError(`${source} has no image for ${wanted.os}/${wanted.architecture}`, {
    hint: available === '' ? 'its index lists no manifests' : `it has: ${available}`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
