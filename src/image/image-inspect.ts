// What `image inspect` prints (Docker's field names) and what `image check` finds wrong in the store.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAbandonedTempName } from './blob-store.js';
import type { ImageRecord } from './image-store-interface.js';
import type { ImageStore } from './image-store.js';
import { type LayerRecord, chainIdsOf } from './layer-store.js';
import { readIndex } from './reference-index.js';
import { familiarImageReference, parseImageReference } from './reference.js';

/** `docker image inspect` shape, for one image. */
export async function inspectImage(store: ImageStore, record: ImageRecord): Promise<Record<string, unknown>> {
  const layerRecords = await Promise.all(record.chainIds.map((chainId) => store.layers.record(chainId)));
  const lowerDirs = [...record.chainIds].reverse().map((chainId) => store.layers.diffDirOf(chainId));
  const familiar = (text: string): string => familiarImageReference(parseImageReference(text));
  const index = await readIndex(store.layout.indexFile);
  const { config } = record;
  return {
    Id: record.id,
    RepoTags: record.references.filter((reference) => !reference.includes('@')).map(familiar),
    RepoDigests: record.repoDigests.map(familiar),
    Parent: '',
    Comment: config.history?.at(-1)?.comment ?? '',
    Created: record.created ?? '',
    DockerVersion: '',
    Author: config.author ?? '',
    Config: config.config ?? {},
    Architecture: config.architecture,
    Os: config.os,
    Size: layerRecords.reduce((sum, layer) => sum + (layer?.size ?? 0), 0),
    GraphDriver: { Name: 'overlay', Data: { LowerDir: lowerDirs.join(':') } },
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: index.images[record.manifestDigest]?.lastTagTime ?? '0001-01-01T00:00:00Z' },
    Descriptor: { mediaType: record.manifest.mediaType, digest: record.manifestDigest, size: (await store.blobs.read(record.manifestDigest)).length },
    Manifest: record.manifest,
  };
}

export interface CheckReport {
  problems: string[];
  checked: { blobs: number; layers: number; images: number; references: number };
}

/** Verify every blob's digest, every layer directory, every index entry and reference; list what is wrong. */
export async function checkImageStore(store: ImageStore): Promise<CheckReport> {
  const problems: string[] = [];
  const { layout } = store;
  const blobNames = await readdir(layout.blobsDir);
  for (const name of blobNames) {
    if (!/^[a-f0-9]{64}$/.test(name)) {
      problems.push(`blobs/sha256/${name}: not a blob name`);
      continue;
    }
    if (!(await store.blobs.verify(`sha256:${name}`))) problems.push(`blob sha256:${name}: content does not match its digest`);
  }
  const layerNames = await readdir(layout.layersDir);
  for (const name of layerNames) {
    const chainId = `sha256:${name}`;
    if (!/^[a-f0-9]{64}$/.test(name)) {
      problems.push(`layers/${name}: not a layer name`);
      continue;
    }
    let record: LayerRecord | undefined;
    try {
      record = JSON.parse(await readFile(path.join(layout.layersDir, name, 'layer.json'), 'utf8')) as LayerRecord;
    } catch {
      problems.push(`layer ${chainId}: layer.json is missing or unreadable`);
    }
    if (record && record.chainId !== chainId) problems.push(`layer ${chainId}: layer.json names ${record.chainId}`);
    try {
      if (!(await stat(store.layers.diffDirOf(chainId))).isDirectory()) problems.push(`layer ${chainId}: diff is not a directory`);
    } catch {
      problems.push(`layer ${chainId}: diff directory is missing`);
    }
  }
  let index;
  try {
    index = await readIndex(layout.indexFile);
  } catch (error) {
    problems.push(`index ${layout.indexFile}: ${error instanceof Error ? error.message : String(error)}`);
    return { problems, checked: { blobs: blobNames.length, layers: layerNames.length, images: 0, references: 0 } };
  }
  const blobs = new Set(blobNames.map((name) => `sha256:${name}`));
  const layers = new Set(layerNames.map((name) => `sha256:${name}`));
  for (const [digest, image] of Object.entries(index.images)) {
    if (!blobs.has(digest)) {
      problems.push(`image ${digest}: manifest blob is missing`);
      continue;
    }
    try {
      const manifest = await store.readManifest(digest);
      if (manifest.config.digest !== image.id) problems.push(`image ${digest}: index says ID ${image.id}, manifest says ${manifest.config.digest}`);
      if (!blobs.has(manifest.config.digest)) problems.push(`image ${digest}: config blob ${manifest.config.digest} is missing`);
      for (const layer of manifest.layers) if (!blobs.has(layer.digest)) problems.push(`image ${digest}: layer blob ${layer.digest} is missing`);
      const config = await store.readConfig(manifest);
      for (const chainId of chainIdsOf(config.rootfs.diff_ids)) if (!layers.has(chainId)) problems.push(`image ${digest}: unpacked layer ${chainId} is missing`);
    } catch (error) {
      problems.push(`image ${digest}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const [reference, digest] of Object.entries(index.references)) {
    if (!index.images[digest]) problems.push(`reference ${reference}: points at ${digest}, which is not an image in the index`);
  }
  for (const name of await readdir(layout.tempDir)) {
    if (isAbandonedTempName(name)) problems.push(`tmp/${name}: left over from an interrupted write (berth image prune removes it)`);
  }
  return {
    problems,
    checked: { blobs: blobNames.length, layers: layerNames.length, images: Object.keys(index.images).length, references: Object.keys(index.references).length },
  };
}
