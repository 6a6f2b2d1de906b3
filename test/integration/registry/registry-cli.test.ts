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
import { freePort, startRegistry } from '../../helpers/registry-server.js';
import { tempDir } from './registry-fixtures.js';

test.after.always(() => closeIdleRegistryConnections());

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the registry commands the way main() runs every command: parse, act, report an error with its exit code. */
export async function runRegistryCli(args: string[], env: Record<string, string>, cwd: string, dependencies: RegistryCommandDependencies = {}): Promise<CliRun> {
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
  t.true(Date.now() - started < 3000);
  t.is(run.code, 1);
  t.is(run.stderr, `error: GET http://127.0.0.1:${port}/v2/: cannot reach registry 127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`);
});
