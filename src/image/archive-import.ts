// `image load`: docker-archive tars (as `docker save` writes them) and OCI image layouts (dir or tar), gzip or not.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError, ValueError } from '../errors.js';
import { digestHex, sha256Digest } from './blob-store.js';
import type { ImageRecord } from './image-store-interface.js';
import type { ImageStore } from './image-store.js';
import { safeLayerPath } from './layer-path.js';
import { type UnpackedLayer, chainIdsOf } from './layer-store.js';
import { decompressLayer } from './layer-unpack.js';
import { type Descriptor, type ImageIndex, type ImageManifest, MEDIA_TYPE, isIndexMediaType, isManifestMediaType } from './media-types.js';
import { type ImageReference, parseImageReference } from './reference.js';
import { LayerFormatError, TarReader } from './tar-reader.js';

export interface LoadedImage {
  /** The reference it was loaded under, when the archive names one. */
  reference: string | undefined;
  record: ImageRecord;
}

/** Files of an archive up to this size are kept in memory (manifests, configs); larger ones stream to the blob store. */
const SMALL_FILE = 1024 * 1024;
const ARCHIVE_LIMITS = { maxUnpackedBytes: 1024 ** 4, maxEntries: 1_000_000 };

/** What an archive contained: small files by name, large ones as stored blobs by name. */
interface ArchiveFiles {
  small: Map<string, Buffer>;
  stored: Map<string, string>;
  /** Large files unpacked as layers while they streamed in, by blob digest (or why that failed). */
  unpacked: Map<string, UnpackedLayer | { error: unknown }>;
}

/**
 * Load every image of `source` (a file or an OCI layout directory) into the store. Blobs this load
 * added are removed again when it fails, so a refused archive leaves the store as it was.
 */
export async function loadImages(store: ImageStore, source: string): Promise<LoadedImage[]> {
  const added = new Set<string>();
  const layersBefore = new Set(await store.layers.list());
  let files: ArchiveFiles | undefined;
  try {
    const info = await lstat(source).catch(() => {
      throw new UserError(`cannot read ${source}: no such file or directory`, { hint: 'check the path given with -i/--input' });
    });
    if (info.isDirectory()) return await loadLayoutDirectory(store, source, added);
    files = await readArchive(store, source, added);
    if (files.small.has('manifest.json')) return await loadDockerArchive(store, files, added);
    if (files.small.has('index.json')) return await loadLayout(store, files, added);
    throw new UserError(`${source} is neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)`, {
      hint: 'berth loads what docker save, skopeo and berth image save write',
    });
  } catch (error) {
    await forgetPartialLoad(store, added, layersBefore);
    throw namingTheSource(error, source);
  } finally {
    for (const unpacked of files?.unpacked.values() ?? []) if ('temp' in unpacked) await rm(unpacked.temp, { recursive: true, force: true });
  }
}

/** A load error names the archive it is about (the user may load several). */
function namingTheSource(error: unknown, source: string): unknown {
  if (!(error instanceof UserError) || error.message.includes(source)) return error;
  return new UserError(`${source}: ${error.message}`, { hint: error.hint ?? 'nothing of it was loaded; make the archive again (docker save, berth image save) or check where it came from' });
}

/** Remove the blobs and layers a failed load added that no image uses: a refused archive leaves the store as it was. */
async function forgetPartialLoad(store: ImageStore, added: Set<string>, layersBefore: Set<string>): Promise<void> {
  const images = await store.list();
  const usedBlobs = new Set(images.flatMap((image) => [image.manifestDigest, image.manifest.config.digest, ...image.manifest.layers.map((layer) => layer.digest)]));
  const usedLayers = new Set(images.flatMap((image) => image.chainIds));
  for (const digest of added) if (!usedBlobs.has(digest)) await store.blobs.remove(digest);
  for (const chainId of await store.layers.list()) if (!layersBefore.has(chainId) && !usedLayers.has(chainId)) await store.layers.remove(chainId);
}

/**
 * One streaming pass over the archive (our own tar reader: it is untrusted input too). Large files are
 * stored as blobs and, in the same pass, unpacked as layers into temp dirs: most of them are layers,
 * and reading each byte once is what makes a load as fast as `tar -x`.
 */
async function readArchive(store: ImageStore, file: string, added: Set<string>): Promise<ArchiveFiles> {
  const reader = new TarReader(decompressLayer(createReadStream(file, { highWaterMark: 1 << 20 })), ARCHIVE_LIMITS);
  const files: ArchiveFiles = { small: new Map(), stored: new Map(), unpacked: new Map() };
  try {
    await readEntries(store, reader, files, added);
  } catch (error) {
    // The archive itself is broken (not one of its layers): say so in the archive's words.
    if (!(error instanceof LayerFormatError) || !/^layer tar /.test(error.message)) throw error;
    const empty = (await lstat(file)).size === 0;
    throw new UserError(empty ? `${file} is empty` : `${file} is not a complete tar archive: ${error.message.replace(/^layer tar /, 'it ')}`, {
      hint: 'make the archive again (docker save, berth image save); a copy or a download may have been cut short',
    });
  }
  return files;
}

async function readEntries(store: ImageStore, reader: TarReader, files: ArchiveFiles, added: Set<string>): Promise<void> {
  for (let entry = await reader.next(); entry; entry = await reader.next()) {
    if (entry.kind !== 'file') continue;
    const name = safeLayerPath(entry.name, 'archive entry');
    if (entry.size <= SMALL_FILE) {
      const parts: Buffer[] = [];
      for await (const piece of reader.data()) parts.push(Buffer.from(piece));
      files.small.set(name, Buffer.concat(parts));
      continue;
    }
    const { digest, created, unpacked } = await storeAndUnpack(store, reader);
    if (created) added.add(digest);
    files.stored.set(name, digest);
    const previous = files.unpacked.get(digest);
    if (previous && 'temp' in previous) await rm(previous.temp, { recursive: true, force: true });
    files.unpacked.set(digest, unpacked);
  }
}

/** Write the current entry's data as a blob and unpack it as a layer at once; a failed unpack is kept as its error. */
async function storeAndUnpack(store: ImageStore, reader: TarReader): Promise<{ digest: string; created: boolean; unpacked: UnpackedLayer | { error: unknown } }> {
  const temp = store.blobs.tempPath();
  const hash = createHash('sha256');
  const fd = openSync(temp, 'wx', 0o644);
  try {
    const sink = (piece: Buffer): void => {
      hash.update(piece);
      for (let offset = 0; offset < piece.length; ) offset += writeSync(fd, piece, offset, piece.length - offset);
    };
    async function* teed(): AsyncGenerator<Buffer> {
      for await (const piece of reader.data()) {
        sink(piece);
        yield piece;
      }
    }
    let unpacked: UnpackedLayer | { error: unknown };
    try {
      unpacked = await store.layers.unpackToTemp(teed(), { plainDiffIdIsBlobDigest: true });
    } catch (error) {
      unpacked = { error };
    }
    // Whatever the unpacker did not read (it failed, or this is no layer) still belongs to the blob.
    for await (const piece of reader.data()) sink(piece);
    closeSync(fd);
    const digest = `sha256:${hash.digest('hex')}`;
    const created = !(await store.blobs.has(digest));
    await rename(temp, store.blobs.pathOf(digest));
    return { digest, created, unpacked };
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Install the layers unpacked during the archive pass under their ChainIDs, now that the config names
 * them. A layer that failed to unpack fails the load with its own error; a mismatch is left to commit.
 */
async function installUnpackedLayers(store: ImageStore, files: ArchiveFiles, manifestDigest: string): Promise<void> {
  const manifest = await store.readManifest(manifestDigest);
  const diffIds = (await store.readConfig(manifest)).rootfs.diff_ids;
  const chainIds = chainIdsOf(diffIds);
  for (const [i, layer] of manifest.layers.entries()) {
    const unpacked = files.unpacked.get(layer.digest);
    const chainId = chainIds[i];
    const diffId = diffIds[i];
    if (!unpacked || chainId === undefined || diffId === undefined) continue;
    if ('error' in unpacked) throw unpacked.error;
    if (await store.layers.has(chainId)) continue;
    const actual = unpacked.result.compressed ? unpacked.result.diffId : layer.digest;
    if (actual !== diffId) continue;
    files.unpacked.delete(layer.digest);
    await store.layers.install(unpacked, { chainId, diffId, blob: layer.digest }, actual);
  }
}

/** The digest of an archive file, storing it as a blob when it is a small one. */
async function blobOf(store: ImageStore, files: ArchiveFiles, name: string, added: Set<string>): Promise<{ digest: string; size: number }> {
  const clean = safeLayerPath(name, 'archive path');
  const stored = files.stored.get(clean);
  if (stored !== undefined) return { digest: stored, size: (await lstat(store.blobs.pathOf(stored))).size };
  const small = files.small.get(clean);
  if (small === undefined) throw new UserError(`the archive does not contain "${name}", which its manifest names`);
  const digest = sha256Digest(small);
  if (!(await store.blobs.has(digest))) added.add(digest);
  return store.blobs.putBytes(small);
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function loadDockerArchive(store: ImageStore, files: ArchiveFiles, added: Set<string>): Promise<LoadedImage[]> {
  const entries = parseJson(files.small.get('manifest.json'), 'manifest.json');
  if (!Array.isArray(entries)) throw new UserError('manifest.json of the docker-archive is not a list');
  const loaded: LoadedImage[] = [];
  for (const raw of entries as Partial<DockerArchiveEntry>[]) {
    if (typeof raw.Config !== 'string' || !Array.isArray(raw.Layers)) throw new UserError('manifest.json entry lacks Config or Layers');
    const config = await blobOf(store, files, raw.Config, added);
    const layers: Descriptor[] = [];
    for (const layerName of raw.Layers) {
      const blob = await blobOf(store, files, layerName, added);
      layers.push({ mediaType: (await isGzipBlob(store, blob.digest)) ? MEDIA_TYPE.ociLayerGzip : MEDIA_TYPE.ociLayer, ...blob });
    }
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config: { mediaType: MEDIA_TYPE.ociConfig, ...config }, layers };
    const stored = await store.blobs.putBytes(Buffer.from(JSON.stringify(manifest)));
    added.add(stored.digest);
    await installUnpackedLayers(store, files, stored.digest);
    const tags = (raw.RepoTags ?? []).map((tag) => ({ text: tag, reference: parseReference(tag) }));
    loaded.push(...(await commitUnder(store, stored.digest, tags)));
  }
  return loaded;
}

async function commitUnder(store: ImageStore, manifestDigest: string, tags: { text: string; reference: ImageReference }[]): Promise<LoadedImage[]> {
  if (tags.length === 0) return [{ reference: undefined, record: await store.commit(manifestDigest) }];
  const loaded: LoadedImage[] = [];
  for (const { text, reference } of tags) loaded.push({ reference: text, record: await store.commit(manifestDigest, { reference }) });
  return loaded;
}

/** An OCI layout read from an archive: every blob was stored during the pass; check names against digests. */
async function loadLayout(store: ImageStore, files: ArchiveFiles, added: Set<string>): Promise<LoadedImage[]> {
  const blobs = new Map<string, string>();
  for (const [name, digest] of files.stored) if (name.startsWith('blobs/')) blobs.set(name, digest);
  for (const name of files.small.keys()) {
    if (!name.startsWith('blobs/')) continue;
    const { digest } = await blobOf(store, files, name, added);
    blobs.set(name, digest);
  }
  for (const [name, digest] of blobs) {
    const [, algorithm, hex] = name.split('/');
    if (algorithm === 'sha256' && `sha256:${hex}` !== digest) throw new UserError(`blob ${name} of the OCI layout does not match its name (content is ${digest})`);
  }
  const index = parseJson(files.small.get('index.json'), 'index.json') as Partial<ImageIndex>;
  return loadFromIndex(
    store,
    index,
    async (descriptor) => {
      if (!blobs.has(`blobs/sha256/${digestHex(descriptor.digest)}`)) throw new UserError(`the OCI layout lacks blob ${descriptor.digest}`);
    },
    (manifestDigest) => installUnpackedLayers(store, files, manifestDigest),
  );
}

async function loadLayoutDirectory(store: ImageStore, dir: string, added: Set<string>): Promise<LoadedImage[]> {
  let indexText: Buffer;
  try {
    indexText = await readFile(path.join(dir, 'index.json'));
  } catch {
    throw new UserError(`${dir} is a directory but not an OCI image layout (no index.json)`);
  }
  const index = parseJson(indexText, 'index.json') as Partial<ImageIndex>;
  return loadFromIndex(store, index, async (descriptor) => {
    const file = path.join(dir, 'blobs', 'sha256', digestHex(descriptor.digest));
    // A layout's blob could be a symlink to anywhere (a device, a secret): only regular files are read.
    const info = await lstat(file).catch(() => undefined);
    if (!info?.isFile()) throw new UserError(`the OCI layout lacks blob ${descriptor.digest} (or it is not a regular file)`);
    if (!(await store.blobs.has(descriptor.digest))) added.add(descriptor.digest);
    await store.blobs.put(descriptor, createReadStream(file, { highWaterMark: 1 << 20 }));
  });
}

/** Walk index.json: manifests are committed (under their annotated name), nested indexes give linux/amd64. */
async function loadFromIndex(
  store: ImageStore,
  index: Partial<ImageIndex>,
  fetch: (descriptor: Descriptor) => Promise<void>,
  beforeCommit?: (manifestDigest: string) => Promise<void>,
): Promise<LoadedImage[]> {
  if (!Array.isArray(index.manifests)) throw new UserError('index.json of the OCI layout has no manifests list');
  const loaded: LoadedImage[] = [];
  for (const descriptor of index.manifests) {
    const manifestDigest = await resolveManifest(store, descriptor, fetch);
    const manifest = await store.readManifest(manifestDigest);
    for (const blob of [manifest.config, ...manifest.layers]) await fetch(blob);
    await beforeCommit?.(manifestDigest);
    const name = annotatedName(descriptor);
    loaded.push(...(await commitUnder(store, manifestDigest, name ? [{ text: name, reference: parseReference(name) }] : [])));
  }
  return loaded;
}

async function resolveManifest(store: ImageStore, descriptor: Descriptor, fetch: (descriptor: Descriptor) => Promise<void>, depth = 0): Promise<string> {
  await fetch(descriptor);
  if (isManifestMediaType(descriptor.mediaType)) return descriptor.digest;
  if (!isIndexMediaType(descriptor.mediaType) || depth > 4) throw new UserError(`the OCI layout names ${descriptor.digest} with media type "${descriptor.mediaType}", which is not an image`);
  const nested = parseJson(await store.blobs.read(descriptor.digest), `index ${descriptor.digest}`) as Partial<ImageIndex>;
  const match = nested.manifests?.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? (nested.manifests?.length === 1 ? nested.manifests[0] : undefined);
  if (!match) throw new UserError(`index ${descriptor.digest} has no linux/amd64 image`);
  return resolveManifest(store, match, fetch, depth + 1);
}

/** containerd's full name annotation, or an OCI ref.name that is a whole reference (skopeo writes only a tag there). */
function annotatedName(descriptor: Descriptor): string | undefined {
  const full = descriptor.annotations?.['io.containerd.image.name'];
  if (full) return full;
  const refName = descriptor.annotations?.['org.opencontainers.image.ref.name'];
  return refName && /[/:]/.test(refName) ? refName : undefined;
}

async function isGzipBlob(store: ImageStore, digest: string): Promise<boolean> {
  const handle = await open(store.blobs.pathOf(digest), 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function parseReference(text: string): ImageReference {
  try {
    return parseImageReference(text);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(`the archive names an invalid reference: ${error.message}`, { hint: error.hint });
    throw error;
  }
}

function parseJson(data: Buffer | undefined, what: string): unknown {
  if (data === undefined) throw new UserError(`the archive has no ${what}`);
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new UserError(`${what} in the archive is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
