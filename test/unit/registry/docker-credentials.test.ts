import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { UserError } from '../../../src/errors.js';
import {
  authKeyFor,
  dockerConfigPath,
  hostOfAuthKey,
  readDockerCredentials,
  removeDockerCredentials,
  storeDockerCredentials,
} from '../../../src/image/registry/docker-credentials.js';

function configFile(t: { teardown(fn: () => void): void }, content?: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-docker-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.json');
  if (content !== undefined) writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('DOCKER_CONFIG names the directory of config.json, else ~/.docker', (t) => {
  t.is(dockerConfigPath({ DOCKER_CONFIG: '/etc/dc' }), '/etc/dc/config.json');
  t.is(dockerConfigPath({ HOME: '/home/u' }), '/home/u/.docker/config.json');
});

test('Docker Hub credentials live under https://index.docker.io/v1/', (t) => {
  t.is(authKeyFor('docker.io'), 'https://index.docker.io/v1/');
  t.is(authKeyFor('registry-1.docker.io'), 'https://index.docker.io/v1/');
  t.is(authKeyFor('127.0.0.1:5000'), '127.0.0.1:5000');
  t.is(hostOfAuthKey('https://registry.example.com/v2/'), 'registry.example.com');
});

test('a base64 auth entry is decoded; keys with a scheme match their host', async (t) => {
  const file = configFile(t, {
    auths: {
      'https://registry.example.com': { auth: Buffer.from('bob:pa:ss').toString('base64') },
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret').toString('base64') },
    },
  });
  t.deepEqual(await readDockerCredentials('registry.example.com', file), { username: 'bob', password: 'pa:ss' });
  t.deepEqual(await readDockerCredentials('docker.io', file), { username: 'hub', password: 'secret' });
  t.is(await readDockerCredentials('other.example.com', file), undefined);
});

test('a missing file means no credentials; a broken one is a UserError', async (t) => {
  t.is(await readDockerCredentials('x', configFile(t)), undefined);
  await t.throwsAsync(readDockerCredentials('x', configFile(t, '{nope')), { instanceOf: UserError, message: /is not valid JSON/ });
});

test('storing keeps the other keys of the file, writes mode 0600, and logout removes the entry', async (t) => {
  const file = configFile(t, { auths: { 'other:5000': { auth: 'b3RoZXI6cHc=' } }, credsStore: 'desktop', psFormat: 'x' });
  await storeDockerCredentials('127.0.0.1:5000', { username: 'alice', password: 'pw' }, file);
  t.is(statSync(file).mode & 0o777, 0o600);
  const written = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }>; credsStore: string; psFormat: string };
  t.is(written.auths['127.0.0.1:5000']?.auth, Buffer.from('alice:pw').toString('base64'));
  t.truthy(written.auths['other:5000']);
  t.is(written.psFormat, 'x');
  t.deepEqual(await readDockerCredentials('127.0.0.1:5000', file), { username: 'alice', password: 'pw' });
  t.true(await removeDockerCredentials('127.0.0.1:5000', file));
  t.false(await removeDockerCredentials('127.0.0.1:5000', file));
  t.is(await readDockerCredentials('127.0.0.1:5000', file), undefined);
});
