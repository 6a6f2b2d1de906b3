// `berth login`, `logout`, `image pull`, `image push`, `pull` and `push` run in-process against real registries.
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Command, CommanderError } from 'commander';
import type { CommandContext } from '../../../src/cli/command-context.js';
import { registerRegistryCommands, type RegistryCommandDependencies } from '../../../src/cli/commands/registry.js';
import { addGlobalOptions } from '../../../src/cli/global-options.js';
import { reportError } from '../../../src/cli/report.js';
import { closeIdleRegistryConnections } from '../../../src/image/registry/registry-http.js';
import { openImageStore } from '../../../src/image/image-store.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { freePort, startRegistry } from '../../helpers/registry-server.js';
import { tempStatePaths } from '../../helpers/temp-state.js';
import { pushBusyboxWithSkopeo, skopeo, tempDir } from './registry-fixtures.js';

test.after.always(() => closeIdleRegistryConnections());

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the registry commands the way main() runs every command: parse, act, report an error with its exit code. */
async function runRegistryCli(args: string[], env: Record<string, string>, cwd: string, dependencies: RegistryCommandDependencies = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const context: CommandContext = { cwd, env, stdout: { write: (text) => void (stdout += text) }, stderr: { write: (text) => void (stderr += text) } };
  const program = addGlobalOptions(new Command('berth').exitOverride().configureOutput({ writeOut: context.stdout.write, writeErr: context.stderr.write }));
  registerRegistryCommands(program, context, dependencies);
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    code = error instanceof CommanderError ? (error.exitCode === 0 ? 0 : 2) : reportError(error, context.stderr, false);
  }
  return { code, stdout, stderr };
}

test('login checks the password against the registry, stores it 0600 in DOCKER_CONFIG, logout removes it', async (t) => {
  const registry = await startRegistry(t, { tls: true, htpasswdUsers: { alice: 's3cret' } });
  const dockerConfig = tempDir(t, 'docker-config');
  const certsDir = tempDir(t, 'certs.d');
  mkdirSync(path.join(certsDir, registry.host));
  copyFileSync(registry.caFile ?? '', path.join(certsDir, registry.host, 'ca.crt'));
  const env = { HOME: '/nonexistent', DOCKER_CONFIG: dockerConfig, BERTH_REGISTRY_CERTS_DIR: certsDir };
  const bad = await runRegistryCli(['login', registry.host, '-u', 'alice', '--password', 'wrong'], env, dockerConfig);
  t.not(bad.code, 0);
  t.regex(bad.stderr, new RegExp(`error: registry ${registry.host.replace(/\./g, '\\.')} rejected the credentials of user "alice"`));
  t.throws(() => statSync(path.join(dockerConfig, 'config.json')), undefined, 'nothing stored for a failed login');
  const good = await runRegistryCli(['login', `https://${registry.host}/v2/`, '-u', 'alice', '--password', 's3cret'], env, dockerConfig);
  t.deepEqual(good, { code: 0, stdout: 'Login Succeeded\n', stderr: '' });
  const file = path.join(dockerConfig, 'config.json');
  t.is(statSync(file).mode & 0o777, 0o600);
  const config = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> };
  t.is(config.auths[registry.host]?.auth, Buffer.from('alice:s3cret').toString('base64'));
  t.like(await runRegistryCli(['logout', registry.host], env, dockerConfig), { code: 0, stdout: `Removing login credentials for ${registry.host}\n` });
  t.like(await runRegistryCli(['logout', registry.host], env, dockerConfig), { code: 0, stdout: `Not logged in to ${registry.host}\n` });
});

test('login without a user name or password says what is missing', async (t) => {
  const dir = tempDir(t, 'docker-config');
  const env = { HOME: '/nonexistent', DOCKER_CONFIG: dir };
  t.regex((await runRegistryCli(['login', '127.0.0.1:1'], env, dir)).stderr, /error: berth login needs a user name/);
  t.regex((await runRegistryCli(['login', '127.0.0.1:1', '-u', 'a'], env, dir)).stderr, /error: berth login needs a password/);
});

test('login to an unreachable registry fails quickly with the host named', async (t) => {
  const dir = tempDir(t, 'docker-config');
  writeFileSync(path.join(dir, 'config.json'), '{}');
  const port = await freePort();
  const started = Date.now();
  const run = await runRegistryCli(['login', `127.0.0.1:${port}`, '-u', 'a', '--password', 'b'], { HOME: '/nonexistent', DOCKER_CONFIG: dir }, dir);
  t.true(Date.now() - started < 15_000);
  t.is(run.code, 1);
  t.is(run.stderr, `error: GET http://127.0.0.1:${port}/v2/: cannot reach registry 127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`);
});

test('image pull commits the image with its repo digest; pulling again is up to date; image push of a new name mounts', async (t) => {
  const registry = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/library/busybox:1.0`);
  const paths = await tempStatePaths(t, 'berth-registry-cli');
  const env = { HOME: '/nonexistent', DOCKER_CONFIG: tempDir(t, 'docker-config'), BERTH_ROOT: paths.root, BERTH_RUN: paths.run };
  const name = `${registry.host}/library/busybox:1.0`;
  const first = await runRegistryCli(['image', 'pull', name], env, paths.root);
  t.is(first.code, 0, first.stderr);
  t.is(first.stdout, `${name}\n`);
  t.is(first.stderr.match(/: Pull complete\n/g)?.length, built.layers.length + 1);
  t.regex(first.stderr, new RegExp(`Digest: ${built.manifestDigest}\nStatus: Downloaded newer image for ${name.replace(/\./g, '\\.')}\n$`));
  const store = await openImageStore(paths);
  const image = await store.find(name);
  t.is(image?.manifestDigest, built.manifestDigest);
  t.deepEqual(image?.repoDigests, [`${registry.host}/library/busybox@${built.manifestDigest}`]);
  t.is(image?.config.config?.Cmd?.[0], built.config.config?.Cmd?.[0]);
  const second = await runRegistryCli(['image', 'pull', name], env, paths.root);
  t.regex(second.stderr, /Status: Image is up to date for/);
  t.is(second.stderr.match(/: Already exists\n/g)?.length, built.layers.length + 1);
  // Tag it under another repository of the same registry (the store's commit is its tag operation), then push.
  await store.commit(built.manifestDigest, { reference: parseImageReference(`${registry.host}/team/web:2`) });
  const push = await runRegistryCli(['image', 'push', `${registry.host}/team/web:2`], env, paths.root);
  t.is(push.code, 0, push.stderr);
  t.is(push.stderr.match(/: Mounted\n/g)?.length, built.layers.length + 1);
  t.regex(push.stdout, new RegExp(`^2: digest: ${built.manifestDigest} size: \\d+\n$`));
  const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/team/web:2`])) as { Digest: string };
  t.is(inspected.Digest, built.manifestDigest);
});

test('compose pull pulls every service image; --ignore-pull-failures turns a missing one into a warning', async (t) => {
  const registry = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${registry.host}/library/busybox:1.0`);
  const paths = await tempStatePaths(t, 'berth-registry-cli');
  const project = tempDir(t, 'project');
  writeFileSync(
    path.join(project, 'compose.yaml'),
    `services:\n  web:\n    image: ${registry.host}/library/busybox:1.0\n  db:\n    image: ${registry.host}/missing/db:1\n  built:\n    build: .\n`,
  );
  const env = { HOME: '/nonexistent', DOCKER_CONFIG: tempDir(t, 'docker-config'), BERTH_ROOT: paths.root, BERTH_RUN: paths.run };
  const failing = await runRegistryCli(['pull', '-q'], env, project);
  t.not(failing.code, 0);
  t.regex(failing.stderr, /error: manifest 127\.0\.0\.1:\d+\/missing\/db:1 not found/);
  const tolerant = await runRegistryCli(['pull', '-q', '--ignore-pull-failures'], env, project);
  t.is(tolerant.code, 0, tolerant.stderr);
  t.regex(tolerant.stderr, /warning: .*missing\/db:1: manifest .* not found/);
  const store = await openImageStore(paths);
  t.is((await store.find(`${registry.host}/library/busybox:1.0`))?.manifestDigest, built.manifestDigest);
  const only = await runRegistryCli(['pull', 'web', '--policy', 'missing'], env, project);
  t.deepEqual({ code: only.code, stderr: only.stderr }, { code: 0, stderr: '' }, 'an image already present is not pulled again');
});

test('compose push pushes service images to their registry', async (t) => {
  const source = await startRegistry(t);
  const target = await startRegistry(t);
  const built = await pushBusyboxWithSkopeo(t, `${source.host}/library/busybox:1.0`);
  const paths = await tempStatePaths(t, 'berth-registry-cli');
  const env = { HOME: '/nonexistent', DOCKER_CONFIG: tempDir(t, 'docker-config'), BERTH_ROOT: paths.root, BERTH_RUN: paths.run };
  t.is((await runRegistryCli(['image', 'pull', '-q', `${source.host}/library/busybox:1.0`], env, paths.root)).code, 0);
  const store = await openImageStore(paths);
  await store.commit(built.manifestDigest, { reference: parseImageReference(`${target.host}/team/web:1`) });
  const project = tempDir(t, 'project');
  writeFileSync(path.join(project, 'compose.yaml'), `services:\n  web:\n    image: ${target.host}/team/web:1\n`);
  const push = await runRegistryCli(['push'], env, project);
  t.is(push.code, 0, push.stderr);
  t.is(push.stderr.match(/: Pushed\n/g)?.length, built.layers.length + 1);
  const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${target.host}/team/web:1`])) as { Digest: string };
  t.is(inspected.Digest, built.manifestDigest);
});
