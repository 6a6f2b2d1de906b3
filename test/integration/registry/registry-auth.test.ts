// Basic auth over TLS (htpasswd, self-signed CA) and Bearer token auth (our issuer) against docker-registry.
import { mkdirSync, copyFileSync, statSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SystemError, UserError } from '../../../src/errors.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { dockerConfigCredentials, storeDockerCredentials } from '../../../src/image/registry/docker-credentials.js';
import { fetchImageBlobs } from '../../../src/image/registry/pull-image.js';
import { pushImage } from '../../../src/image/registry/push-image.js';
import { RegistryClient } from '../../../src/image/registry/registry-client.js';
import type { TransportPolicy } from '../../../src/image/registry/registry-endpoint.js';
import { closeIdleRegistryConnections } from '../../../src/image/registry/registry-http.js';
import { startRegistry } from '../../helpers/registry-server.js';
import { startTokenIssuer } from '../../helpers/token-issuer.js';
import { pushBusyboxWithSkopeo, skopeo, tempDir, testBlobStore } from './registry-fixtures.js';

test.after.always(() => closeIdleRegistryConnections());

const USERS = { alice: 'correct horse' };
const noCerts: TransportPolicy = { insecureRegistries: [], caFiles: [], certsDir: undefined };

test('htpasswd over TLS: berth logs in through the docker config file and pulls what skopeo pushed', async (t) => {
  const registry = await startRegistry(t, { tls: true, htpasswdUsers: USERS });
  const certDir = tempDir(t, 'certs');
  copyFileSync(registry.caFile ?? '', path.join(certDir, 'ca.crt'));
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/private/busybox:1`, ['--dest-creds', 'alice:correct horse', '--dest-cert-dir', certDir]);
  const configFile = path.join(tempDir(t, 'docker-config'), 'config.json');
  await storeDockerCredentials(registry.host, { username: 'alice', password: 'correct horse' }, configFile);
  t.is(statSync(configFile).mode & 0o777, 0o600);
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${registry.host}/private/busybox:1`), blobs, {
    credentials: dockerConfigCredentials(configFile),
    policy: { ...noCerts, caFiles: [registry.caFile ?? ''] },
  });
  t.is(fetched.manifestDigest, built.manifestDigest);
  // Push back under another name, trusting the CA through a docker-style certs.d/<host>/ directory.
  const certsDir = tempDir(t, 'certs.d');
  mkdirSync(path.join(certsDir, registry.host));
  copyFileSync(registry.caFile ?? '', path.join(certsDir, registry.host, 'ca.crt'));
  const result = await pushImage({ manifestDigest: fetched.manifestDigest, references: [], repoDigests: [] }, parseImageReference(`${registry.host}/private/copy:1`), blobs, {
    credentials: dockerConfigCredentials(configFile),
    policy: { ...noCerts, certsDir },
  });
  t.is(result.digest, built.manifestDigest);
  const inspected = JSON.parse(await skopeo(['inspect', '--creds', 'alice:correct horse', '--cert-dir', certDir, `docker://${registry.host}/private/copy:1`])) as { Digest: string };
  t.is(inspected.Digest, built.manifestDigest);
});

test('htpasswd: a wrong password is a UserError naming the registry and the user', async (t) => {
  const registry = await startRegistry(t, { tls: true, htpasswdUsers: USERS });
  const client = await RegistryClient.connect(registry.host, { credentials: async () => ({ username: 'alice', password: 'wrong' }), policy: { ...noCerts, caFiles: [registry.caFile ?? ''] } });
  const error = await t.throwsAsync(client.ping(), { instanceOf: UserError });
  t.regex(error?.message ?? '', new RegExp(`registry ${registry.host.replace(/\./g, '\\.')} rejected the credentials of user "alice"`));
  t.regex(error instanceof UserError ? (error.hint ?? '') : '', /berth login/);
});

test('htpasswd: no stored credentials is a UserError that says to log in', async (t) => {
  const registry = await startRegistry(t, { tls: true, htpasswdUsers: USERS });
  const client = await RegistryClient.connect(registry.host, { credentials: async () => undefined, policy: { ...noCerts, caFiles: [registry.caFile ?? ''] } });
  const error = await t.throwsAsync(client.ping(), { instanceOf: UserError });
  t.regex(error?.message ?? '', /requires authentication and no credentials are stored/);
});

test('TLS: a self-signed registry certificate without the CA configured fails with a hint', async (t) => {
  const registry = await startRegistry(t, { tls: true, htpasswdUsers: USERS });
  const client = await RegistryClient.connect(registry.host, { credentials: async () => undefined, policy: noCerts });
  const error = await t.throwsAsync(client.ping(), { instanceOf: SystemError });
  t.regex(error?.message ?? '', /cannot reach registry 127\.0\.0\.2:\d+: .*(self-signed|not trusted)/);
});

test('token auth: berth pulls and pushes with bearer tokens, one token request per scope set', async (t) => {
  const dir = tempDir(t, 'token');
  const issuer = await startTokenIssuer(t, dir, { users: USERS });
  const registry = await startRegistry(t, { token: issuer.config });
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/team/busybox:1`, ['--dest-creds', 'alice:correct horse', '--dest-tls-verify=false']);
  issuer.requests.length = 0;
  const credentials = async (): Promise<{ username: string; password: string }> => ({ username: 'alice', password: 'correct horse' });
  const blobs = await testBlobStore(t);
  const client = await RegistryClient.connect(registry.host, { credentials });
  const fetched = await fetchImageBlobs(parseImageReference(`${registry.host}/team/busybox:1`), blobs, { client });
  t.is(fetched.manifestDigest, built.manifestDigest);
  // The manifest and 4 blobs all went out with one cached pull token.
  t.deepEqual(issuer.requests, [{ scopes: ['repository:team/busybox:pull'], account: 'alice' }]);
  const image = { manifestDigest: fetched.manifestDigest, references: [`${registry.host}/team/busybox:1`], repoDigests: [] };
  const result = await pushImage(image, parseImageReference(`${registry.host}/team/other:1`), blobs, { client });
  t.is(result.mounted, built.layers.length + 1);
  t.true(issuer.requests.some((request) => request.scopes.includes('repository:team/other:pull,push') && request.scopes.includes('repository:team/busybox:pull')));
  const inspected = JSON.parse(await skopeo(['inspect', '--creds', 'alice:correct horse', '--tls-verify=false', `docker://${registry.host}/team/other:1`])) as { Digest: string };
  t.is(inspected.Digest, built.manifestDigest);
});

test('token auth: the token service refusing the password is a UserError naming the registry', async (t) => {
  const dir = tempDir(t, 'token');
  const issuer = await startTokenIssuer(t, dir, { users: USERS });
  const registry = await startRegistry(t, { token: issuer.config });
  const client = await RegistryClient.connect(registry.host, { credentials: async () => ({ username: 'alice', password: 'nope' }) });
  const error = await t.throwsAsync(client.getManifest('team/busybox', '1'), { instanceOf: UserError });
  t.regex(error?.message ?? '', new RegExp(`token service of registry ${registry.host.replace(/\./g, '\\.')} .* rejected the credentials of user "alice"`));
});

test('token auth: an anonymous token without access ends in "requires authentication"', async (t) => {
  const dir = tempDir(t, 'token');
  const issuer = await startTokenIssuer(t, dir, { users: USERS });
  const registry = await startRegistry(t, { token: issuer.config });
  const client = await RegistryClient.connect(registry.host, { credentials: async () => undefined });
  const error = await t.throwsAsync(client.getManifest('team/busybox', '1'), { instanceOf: UserError });
  t.regex(error?.message ?? '', /requires authentication/);
});

test('token auth: a user granted only pull gets a permission error on push, not a password error', async (t) => {
  const dir = tempDir(t, 'token');
  const issuer = await startTokenIssuer(t, dir, { users: { ...USERS, bob: 'reader' }, readOnlyUsers: ['bob'] });
  const registry = await startRegistry(t, { token: issuer.config });
  await pushBusyboxWithSkopeo(t, `${registry.host}/team/busybox:1`, ['--dest-creds', 'alice:correct horse', '--dest-tls-verify=false']);
  const client = await RegistryClient.connect(registry.host, { credentials: async () => ({ username: 'bob', password: 'reader' }) });
  const blobs = await testBlobStore(t);
  const fetched = await fetchImageBlobs(parseImageReference(`${registry.host}/team/busybox:1`), blobs, { client });
  const error = await t.throwsAsync(
    pushImage({ manifestDigest: fetched.manifestDigest, references: [], repoDigests: [] }, parseImageReference(`${registry.host}/team/busybox:2`), blobs, { client }),
    { instanceOf: UserError },
  );
  t.regex(error?.message ?? '', /denied user "bob" access to repository:team\/busybox:(pull,push|push,pull|push)/);
});
