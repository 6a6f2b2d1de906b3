// `image save`: write images as a docker-archive (manifest.json, <config>.json, <diffid>/layer.tar) that `docker load` and skopeo read.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { tempPathBeside } from '../state/atomic-write.js';
import { digestHex } from './blob-store.js';
import type { ImageRecord } from './image-store-interface.js';
import type { ImageStore } from './image-store.js';
import { decompressLayer } from './layer-unpack.js';
import { familiarImageReference, parseImageReference } from './reference.js';
import { tarEnd, tarHeader, tarPadding } from './tar-writer.js';

interface SaveEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/**
 * Write the images `names` name into a docker-archive at `file` (through a temp file and a rename).
 * Layers are written uncompressed, so their digests are the config's DiffIDs, as `docker save` does.
 */
export async function saveImages(store: ImageStore, file: string, names: readonly string[]): Promise<ImageRecord[]> {
  if (names.length === 0) throw new UserError('image save needs at least one image');
  const images: { record: ImageRecord; tags: string[] }[] = [];
  for (const name of names) {
    const record = await store.get(name);
    const reference = isIdLike(name) ? undefined : parseImageReference(name);
    // RepoTags are name:tag only; an image asked for by ID or digest is saved without one.
    const tags = reference?.tag !== undefined && reference.digest === undefined ? [familiarImageReference(reference)] : [];
    const same = images.find((image) => image.record.manifestDigest === record.manifestDigest);
    if (same) same.tags.push(...tags.filter((tag) => !same.tags.includes(tag)));
    else images.push({ record, tags });
  }
  const temp = tempPathBeside(file);
  try {
    await pipeline(Readable.from(archiveChunks(store, images)), createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return images.map((image) => image.record);
}

async function* archiveChunks(store: ImageStore, images: { record: ImageRecord; tags: string[] }[]): AsyncGenerator<Buffer> {
  const written = new Set<string>();
  const manifest: SaveEntry[] = [];
  const mtime = Math.floor(Date.now() / 1000);
  for (const { record, tags } of images) {
    const configName = `${digestHex(record.id)}.json`;
    if (!written.has(configName)) {
      const config = await store.blobs.read(record.manifest.config.digest);
      yield* fileEntry(configName, config, mtime);
      written.add(configName);
    }
    const layerNames: string[] = [];
    for (const [i, layer] of record.manifest.layers.entries()) {
      const diffId = record.config.rootfs.diff_ids[i] ?? '';
      const name = `${digestHex(diffId)}/layer.tar`;
      layerNames.push(name);
      if (written.has(name)) continue;
      written.add(name);
      const chainId = record.chainIds[i] ?? '';
      const tarSize = (await store.layers.record(chainId))?.tarSize;
      if (tarSize === undefined) throw new UserError(`layer ${chainId} of image ${record.id} is not unpacked`, { hint: 'run "berth image check"' });
      yield tarHeader({ name: `${digestHex(diffId)}/`, type: 'directory', mode: 0o755, mtime });
      yield tarHeader({ name, type: 'file', size: tarSize, mtime });
      let count = 0;
      for await (const chunk of decompressLayer(store.blobs.stream(layer.digest))) {
        count += chunk.byteLength;
        if (count > tarSize) throw new UserError(`layer ${layer.digest} is larger than when it was unpacked`);
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
      if (count !== tarSize) throw new UserError(`layer ${layer.digest} is ${count} bytes uncompressed, not the ${tarSize} recorded`);
      yield tarPadding(tarSize);
    }
    manifest.push({ Config: configName, RepoTags: tags.length > 0 ? tags : null, Layers: layerNames });
  }
  yield* fileEntry('manifest.json', Buffer.from(JSON.stringify(manifest)), mtime);
  yield tarEnd();
}

function* fileEntry(name: string, data: Buffer, mtime: number): Generator<Buffer> {
  yield tarHeader({ name, type: 'file', size: data.length, mtime });
  yield data;
  yield tarPadding(data.length);
}

function isIdLike(name: string): boolean {
  return /^(sha256:)?[a-f0-9]{4,64}$/.test(name);
}
