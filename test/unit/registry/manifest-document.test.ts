import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { MEDIA_TYPE } from '../../../src/image/media-types.js';
import { parseManifestDocument, selectPlatformManifest } from '../../../src/image/registry/manifest-document.js';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const manifest = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPE.dockerManifest,
  config: { mediaType: MEDIA_TYPE.dockerConfig, digest: digest('a'), size: 10 },
  layers: [{ mediaType: MEDIA_TYPE.dockerLayerGzip, digest: digest('b'), size: 20 }],
};
const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

test('a Docker schema2 manifest is read with its media type', (t) => {
  const document = parseManifestDocument(bytes(manifest), MEDIA_TYPE.dockerManifest, 'r/app:1');
  t.is(document.kind, 'manifest');
  t.is(document.mediaType, MEDIA_TYPE.dockerManifest);
});

test('an OCI manifest without mediaType is recognised by its shape', (t) => {
  const { mediaType: _, ...oci } = { ...manifest, config: { ...manifest.config, mediaType: MEDIA_TYPE.ociConfig } };
  const document = parseManifestDocument(bytes(oci), 'application/json', 'r/app:1');
  t.is(document.mediaType, MEDIA_TYPE.ociManifest);
});

test('a Content-Type that contradicts the document is refused', (t) => {
  t.throws(() => parseManifestDocument(bytes(manifest), MEDIA_TYPE.ociIndex, 'r/app:1'), { instanceOf: UserError, message: /says it is .* but the registry served it as/ });
});

test('unknown layer and config media types, bad digests and sizes are refused', (t) => {
  const badLayer = { ...manifest, layers: [{ mediaType: 'application/x-tar', digest: digest('b'), size: 1 }] };
  t.throws(() => parseManifestDocument(bytes(badLayer), undefined, 'r'), { message: /layer 0 of r has the unsupported media type "application\/x-tar"/ });
  const artifact = { ...manifest, config: { ...manifest.config, mediaType: 'application/vnd.cncf.helm.config.v1+json' } };
  t.throws(() => parseManifestDocument(bytes(artifact), undefined, 'r'), { message: /config of unsupported media type/ });
  const badDigest = { ...manifest, layers: [{ mediaType: MEDIA_TYPE.dockerLayerGzip, digest: 'sha256:../../etc', size: 1 }] };
  t.throws(() => parseManifestDocument(bytes(badDigest), undefined, 'r'), { message: /invalid digest/ });
  const badSize = { ...manifest, layers: [{ mediaType: MEDIA_TYPE.dockerLayerGzip, digest: digest('b'), size: -1 }] };
  t.throws(() => parseManifestDocument(bytes(badSize), undefined, 'r'), { message: /invalid size/ });
  t.throws(() => parseManifestDocument(Buffer.from('not json'), undefined, 'r'), { message: /not valid JSON/ });
});

test('the linux/amd64 entry of an index is chosen; a variant is matched only when asked', (t) => {
  const index = {
    schemaVersion: 2 as const,
    manifests: [
      { mediaType: MEDIA_TYPE.ociManifest, digest: digest('1'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { mediaType: MEDIA_TYPE.ociManifest, digest: digest('2'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  };
  t.is(selectPlatformManifest(index, { os: 'linux', architecture: 'amd64' }, 'r').digest, digest('2'));
  t.is(selectPlatformManifest(index, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'r').digest, digest('1'));
  t.throws(() => selectPlatformManifest(index, { os: 'linux', architecture: 'arm', variant: 'v6' }, 'r'), { message: 'r has no image for linux/arm' });
});
