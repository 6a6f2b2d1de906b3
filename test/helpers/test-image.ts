// Test images from Debian's busybox-static: layered rootfs tars, OCI layouts, docker-archives, hostile layers.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Descriptor, type ImageConfig, type ImageManifest, type ImageRuntimeConfig, MEDIA_TYPE } from '../../src/image/media-types.js';
import { type TarHeaderFields, tarEnd, tarHeader, tarPadding } from '../../src/image/tar-writer.js';

/** One layer as its uncompressed tar bytes. */
export interface TestLayer {
  tar: Buffer;
}

export interface TestImageOptions {
  /** Reference written into the archive / layout (default `busybox:latest`). */
  tag?: string;
  /** gzip each layer blob (default true for OCI layouts, false for docker-archives as `docker save` writes). */
  gzipLayers?: boolean;
  /** gzip the whole docker-archive or OCI tar (`docker save | gzip`). */
  gzipArchive?: boolean;
  /** Write the OCI layout as a tar file instead of a directory. */
  asTar?: boolean;
  /** Image config fields (Cmd, Env, ...) merged over the defaults. */
  config?: ImageRuntimeConfig;
  /** Extra layers on top of the busybox ones. */
  extraLayers?: TestLayer[];
  /** Use these layers instead of the busybox ones. */
  layers?: TestLayer[];
}

/** What a built test image is, so tests can compare against it. */
export interface BuiltTestImage {
  manifestDigest: string;
  manifest: ImageManifest;
  configDigest: string;
  config: ImageConfig;
  /** sha256 of each uncompressed layer tar, bottom first. */
  diffIds: string[];
  layers: Descriptor[];
  layerTars: Buffer[];
  /** The uncompressed tar size of every layer summed. */
  unpackedBytes: number;
}

export const BUSYBOX = '/bin/busybox';
export const TEST_MTIME = 1_700_000_000;
export const INDEX_HTML = '<h1>berth busybox</h1>\n';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const sha256 = (data: Uint8Array): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** The three busybox layers: base rootfs; whiteouts, an opaque dir, ownership; hardlinks and setgid. */
export function buildBusyboxLayers(): TestLayer[] {
  // Built once per test process: the tars are identical every time and symlinks are slow on this disk.
  busyboxLayers ??= makeBusyboxLayers();
  return busyboxLayers;
}

let busyboxLayers: TestLayer[] | undefined;

function makeBusyboxLayers(): TestLayer[] {
  const work = mkdtempSync(path.join(tmpdir(), 'berth-test-layers-'));
  try {
    return [baseLayer(path.join(work, 'l1')), changesLayer(path.join(work, 'l2')), linksLayer(path.join(work, 'l3'))];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function baseLayer(dir: string): TestLayer {
  const file = (rel: string, content: string | Buffer, mode = 0o644, owner = 0): void => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
    // chown clears setuid bits, so it comes first.
    chownSync(path.join(dir, rel), owner, owner);
    chmodSync(path.join(dir, rel), mode);
  };
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  execFileSync('cp', [BUSYBOX, path.join(dir, 'bin', 'busybox')]);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((name) => name && name !== 'busybox');
  for (const applet of applets) symlinkSync('busybox', path.join(dir, 'bin', applet));
  file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  file('etc/group', 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n');
  file('etc/motd', 'welcome\n');
  file('www/index.html', INDEX_HTML);
  linkSync(path.join(dir, 'www/index.html'), path.join(dir, 'www/hardlink.html'));
  file('opt/old/a.txt', 'a\n');
  file('opt/old/b.txt', 'b\n');
  file('usr/local/bin/suid-tool', '#!/bin/sh\necho suid\n', 0o4755);
  file('var/lib/data/keep.txt', 'data\n');
  for (const [rel, mode, owner] of [['home/app', 0o750, 1000], ['root', 0o700, 0], ['tmp', 0o1777, 0], ['usr/sbin', 0o755, 0], ['sbin', 0o755, 0]] as const) {
    mkdirSync(path.join(dir, rel), { recursive: true });
    chownSync(path.join(dir, rel), owner, owner);
    chmodSync(path.join(dir, rel), mode);
  }
  return tarDirectory(dir, { '/www/index.html': 1_600_000_000 });
}

function changesLayer(dir: string): TestLayer {
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  writeFileSync(path.join(dir, 'etc/.wh.motd'), '');
  mkdirSync(path.join(dir, 'opt/old'), { recursive: true });
  writeFileSync(path.join(dir, 'opt/old/.wh..wh..opq'), '');
  writeFileSync(path.join(dir, 'opt/old/c.txt'), 'c\n');
  mkdirSync(path.join(dir, 'www'), { recursive: true });
  writeFileSync(path.join(dir, 'www/app.txt'), 'owned by app\n');
  chownSync(path.join(dir, 'www/app.txt'), 1000, 1000);
  chmodSync(path.join(dir, 'www/app.txt'), 0o640);
  mkdirSync(path.join(dir, 'usr/bin'), { recursive: true });
  symlinkSync('/bin/busybox', path.join(dir, 'usr/bin/env'));
  mkdirSync(path.join(dir, 'home/app'), { recursive: true });
  chownSync(path.join(dir, 'home/app'), 1000, 1000);
  chmodSync(path.join(dir, 'home/app'), 0o750);
  writeFileSync(path.join(dir, 'home/app/.profile'), 'export PS1=app\n');
  chownSync(path.join(dir, 'home/app/.profile'), 1000, 1000);
  mkdirSync(path.join(dir, 'var/lib'), { recursive: true });
  writeFileSync(path.join(dir, 'var/lib/.wh.data'), '');
  return tarDirectory(dir, {}, 'posix');
}

function linksLayer(dir: string): TestLayer {
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  writeFileSync(path.join(dir, 'etc/app.conf'), 'listen=8080\n');
  linkSync(path.join(dir, 'etc/app.conf'), path.join(dir, 'etc/app.conf.hard'));
  mkdirSync(path.join(dir, 'srv/shared'), { recursive: true });
  chownSync(path.join(dir, 'srv/shared'), 1000, 1000);
  chmodSync(path.join(dir, 'srv/shared'), 0o2775);
  return tarDirectory(dir);
}

// GNU tar names pax headers after its pid and records atime/ctime: both would change the digest per run.
const PAX_STABLE = '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime';

/** Tar a staged directory with GNU tar: numeric owners, sorted names, fixed mtimes (some overridden). */
function tarDirectory(dir: string, mtimes: Record<string, number> = {}, format: 'gnu' | 'posix' = 'gnu'): TestLayer {
  execFileSync('find', [dir, '-exec', 'touch', '-h', '-d', `@${TEST_MTIME}`, '{}', '+']);
  for (const [rel, mtime] of Object.entries(mtimes)) execFileSync('touch', ['-h', '-d', `@${mtime}`, path.join(dir, rel)]);
  const entries = execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const tar = execFileSync('tar', ['-C', dir, '-c', '-f', '-', '--numeric-owner', '--sort=name', `--format=${format}`, ...(format === 'posix' ? [PAX_STABLE] : []), ...entries], {
    maxBuffer: 1 << 28,
  });
  return { tar };
}

function imageConfig(diffIds: string[], overrides: ImageRuntimeConfig = {}): ImageConfig {
  return {
    architecture: 'amd64',
    os: 'linux',
    created: new Date(TEST_MTIME * 1000).toISOString(),
    config: { Env: [`PATH=${DEFAULT_PATH}`], Cmd: ['sh'], WorkingDir: '/', ...overrides },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: new Date(TEST_MTIME * 1000).toISOString(), created_by: `berth test layer ${i + 1}` })),
  };
}

interface ImageBlobs {
  built: BuiltTestImage;
  configBytes: Buffer;
  manifestBytes: Buffer;
  layerBlobs: Buffer[];
}

function makeImage(options: TestImageOptions, gzipDefault: boolean, oci: boolean): ImageBlobs {
  const layers = [...(options.layers ?? buildBusyboxLayers()), ...(options.extraLayers ?? [])];
  const gzip = options.gzipLayers ?? gzipDefault;
  const layerTars = layers.map((layer) => layer.tar);
  const diffIds = layerTars.map(sha256);
  const layerBlobs = layerTars.map((tar) => (gzip ? gzipSync(tar, { level: 1 }) : tar));
  const config = imageConfig(diffIds, options.config);
  const configBytes = Buffer.from(JSON.stringify(config));
  const layerType = oci ? (gzip ? MEDIA_TYPE.ociLayerGzip : MEDIA_TYPE.ociLayer) : MEDIA_TYPE.dockerLayerGzip;
  const layerDescriptors = layerBlobs.map((blob) => ({ mediaType: layerType, digest: sha256(blob), size: blob.length }));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: oci ? MEDIA_TYPE.ociManifest : MEDIA_TYPE.dockerManifest,
    config: { mediaType: oci ? MEDIA_TYPE.ociConfig : MEDIA_TYPE.dockerConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: layerDescriptors,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const built: BuiltTestImage = {
    manifestDigest: sha256(manifestBytes),
    manifest,
    configDigest: manifest.config.digest,
    config,
    diffIds,
    layers: layerDescriptors,
    layerTars,
    unpackedBytes: layerTars.reduce((sum, tar) => sum + tar.length, 0),
  };
  return { built, configBytes, manifestBytes, layerBlobs };
}

/** Write an OCI image layout (a directory, or a tar of one with `asTar`) holding the image. */
export function buildBusyboxOciLayout(target: string, options: TestImageOptions = {}): BuiltTestImage {
  const { built, configBytes, manifestBytes, layerBlobs } = makeImage(options, true, true);
  const dir = options.asTar ? mkdtempSync(path.join(tmpdir(), 'berth-test-oci-')) : target;
  try {
    mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    const putBlob = (data: Buffer): void => writeFileSync(path.join(dir, 'blobs', 'sha256', sha256(data).slice(7)), data);
    for (const blob of [configBytes, manifestBytes, ...layerBlobs]) putBlob(blob);
    writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const tag = options.tag ?? 'busybox:latest';
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociIndex,
      manifests: [
        {
          mediaType: MEDIA_TYPE.ociManifest,
          digest: built.manifestDigest,
          size: manifestBytes.length,
          annotations: { 'io.containerd.image.name': tag, 'org.opencontainers.image.ref.name': tag.slice(tag.lastIndexOf(':') + 1) },
        },
      ],
    };
    writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
    if (options.asTar) writeTarOf(dir, target, ['oci-layout', 'index.json', 'blobs'], options.gzipArchive === true);
  } finally {
    if (options.asTar) rmSync(dir, { recursive: true, force: true });
  }
  return built;
}

/** Write a docker-archive as `docker save` does: manifest.json, repositories, <id>.json, <id>/layer.tar. */
export function buildBusyboxDockerArchive(file: string, options: TestImageOptions = {}): BuiltTestImage {
  const { built, configBytes, layerBlobs } = makeImage(options, false, false);
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-test-archive-'));
  try {
    const configName = `${built.configDigest.slice(7)}.json`;
    writeFileSync(path.join(dir, configName), configBytes);
    const layerNames = layerBlobs.map((blob, i) => {
      const id = createHash('sha256').update(`${built.diffIds.slice(0, i + 1).join(' ')}`).digest('hex');
      mkdirSync(path.join(dir, id));
      writeFileSync(path.join(dir, id, 'layer.tar'), blob);
      writeFileSync(path.join(dir, id, 'VERSION'), '1.0');
      writeFileSync(path.join(dir, id, 'json'), JSON.stringify({ id }));
      return `${id}/layer.tar`;
    });
    const tag = options.tag ?? 'busybox:latest';
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: layerNames }]));
    const colon = tag.lastIndexOf(':');
    const last = layerNames.at(-1)?.split('/')[0] ?? '';
    writeFileSync(path.join(dir, 'repositories'), JSON.stringify({ [tag.slice(0, colon)]: { [tag.slice(colon + 1)]: last } }));
    const names = execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean);
    writeTarOf(dir, file, names, options.gzipArchive === true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return built;
}

function writeTarOf(dir: string, file: string, names: string[], gzip: boolean): void {
  const tar = execFileSync('tar', ['-C', dir, '-c', '-f', '-', '--numeric-owner', '--sort=name', ...names], { maxBuffer: 1 << 28 });
  writeFileSync(file, gzip ? gzipSync(tar, { level: 1 }) : tar);
}

/** A layer tar made entry by entry, for inputs GNU tar refuses to write. */
export function rawLayer(entries: { header: TarHeaderFields; data?: Buffer | string }[], options: { end?: boolean } = {}): TestLayer {
  const parts: Buffer[] = [];
  for (const { header, data } of entries) {
    const body = Buffer.from(data ?? '');
    parts.push(tarHeader({ ...header, size: header.size ?? (header.type === 'file' ? body.length : 0) }), body, tarPadding(body.length));
  }
  if (options.end !== false) parts.push(tarEnd());
  return { tar: Buffer.concat(parts) };
}

export type HostileLayerKind =
  | 'dotdot'
  | 'absolute-escape'
  | 'symlink-parent'
  | 'symlink-dotdot-parent'
  | 'hardlink-outside'
  | 'char-device'
  | 'block-device'
  | 'huge-size'
  | 'gzip-bomb'
  | 'too-many-entries'
  | 'truncated';

export const HOSTILE_LAYER_KINDS: readonly HostileLayerKind[] = [
  'dotdot',
  'absolute-escape',
  'symlink-parent',
  'symlink-dotdot-parent',
  'hardlink-outside',
  'char-device',
  'block-device',
  'huge-size',
  'gzip-bomb',
  'too-many-entries',
  'truncated',
];

/**
 * A layer that must be refused. `gzip-bomb` is ~`bombBytes` of zeros in one file (default 64 MiB),
 * compressed to a few dozen KiB: refused only under a smaller maximum unpacked size.
 * `too-many-entries` has `entries` files (default 2000): refused under a smaller entry limit.
 */
export function writeHostileLayer(kind: HostileLayerKind, options: { bombBytes?: number; entries?: number } = {}): TestLayer {
  const file = (name: string, data = 'x'): { header: TarHeaderFields; data: string } => ({ header: { name, type: 'file', mtime: TEST_MTIME }, data });
  const dir = (name: string): { header: TarHeaderFields } => ({ header: { name, type: 'directory', mtime: TEST_MTIME } });
  switch (kind) {
    case 'dotdot':
      return rawLayer([dir('etc/'), file('etc/../../../escaped-dotdot', 'pwned')]);
    case 'absolute-escape':
      return rawLayer([file('/../../escaped-absolute', 'pwned')]);
    case 'symlink-parent':
      return rawLayer([{ header: { name: 'link', type: 'symlink', linkname: '/tmp' } }, file('link/escaped-through-symlink', 'pwned')]);
    case 'symlink-dotdot-parent':
      return rawLayer([dir('a/'), { header: { name: 'a/up', type: 'symlink', linkname: '../../../../..' } }, file('a/up/escaped-symlink-dotdot', 'pwned')]);
    case 'hardlink-outside':
      return rawLayer([{ header: { name: 'passwd-copy', type: 'hardlink', linkname: '../../../../etc/passwd' } }]);
    case 'char-device':
      return rawLayer([{ header: { name: 'dev-mem', type: 'char', devmajor: 1, devminor: 1, mode: 0o600 } }]);
    case 'block-device':
      return rawLayer([{ header: { name: 'dev-sda', type: 'block', devmajor: 8, devminor: 0, mode: 0o600 } }]);
    case 'huge-size':
      // Declares 1 TiB of data (through a pax size record) but carries none.
      return rawLayer([{ header: { name: 'huge', type: 'file', size: 2 ** 40 } }]);
    case 'gzip-bomb': {
      const bytes = options.bombBytes ?? 64 * 1024 * 1024;
      return { tar: Buffer.concat([tarHeader({ name: 'zeros', type: 'file', size: bytes }), Buffer.alloc(bytes), tarPadding(bytes), tarEnd()]) };
    }
    case 'too-many-entries': {
      const count = options.entries ?? 2000;
      return rawLayer(Array.from({ length: count }, (_, i) => file(`f${i}`, '')));
    }
    case 'truncated': {
      const whole = rawLayer([file('big', 'y'.repeat(10_000))]).tar;
      return { tar: whole.subarray(0, 3000) };
    }
  }
}
