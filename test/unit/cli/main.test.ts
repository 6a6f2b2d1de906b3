import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { main, version } from '../../../src/cli/main.js';

async function run(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    cwd: options.cwd ?? tmpdir(),
    env: options.env ?? { HOME: '/nonexistent' },
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
  });
  return { code, stdout, stderr };
}

function project(t: { teardown(fn: () => void): void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('--version and `version` print the package version', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  t.is(version, pkg.version);
  t.like(await run(['--version']), { code: 0, stdout: `${pkg.version}\n` });
  t.like(await run(['version']), { code: 0, stdout: `berth version ${pkg.version}\n` });
  t.like(await run(['version', '--short']), { code: 0, stdout: `${pkg.version}\n` });
});

test('--help lists the commands and the global options', async (t) => {
  const { code, stdout } = await run(['--help']);
  t.is(code, 0);
  t.regex(stdout, /Usage: berth \[options\] \[command\]/);
  t.regex(stdout, /config \[options\]/);
  for (const flag of ['--file', '--project-name', '--project-directory', '--env-file', '--profile']) {
    t.true(stdout.includes(flag), flag);
  }
});

test('`help config` shows the flags and examples', async (t) => {
  const { code, stdout } = await run(['help', 'config']);
  t.is(code, 0);
  t.regex(stdout, /--format <format>/);
  t.regex(stdout, /Examples:/);
});

test('an unknown command or flag is a usage error (exit 2) with a suggestion', async (t) => {
  const command = await run(['confg']);
  t.is(command.code, 2);
  t.regex(command.stderr, /unknown command 'confg'/);
  t.regex(command.stderr, /Did you mean config\?/);
  t.is((await run(['config', '--bogus'])).code, 2);
});

test('a compose error is one line with position and a hint line, and no stack trace', async (t) => {
  const dir = project(t, { 'compose.yaml': 'services:\n  web:\n    image: nginx\n    prots: ["80:80"]\n' });
  const { code, stdout, stderr } = await run(['config'], { cwd: dir });
  t.is(code, 15);
  t.is(stdout, '');
  t.is(stderr, 'error: compose.yaml:4:5: services.web.prots: unknown key\n  hint: did you mean "ports"?\n');
});

test('--debug and BERTH_DEBUG=1 add the stack trace', async (t) => {
  const dir = project(t, { 'compose.yaml': 'services: [a]\n' });
  t.regex((await run(['--debug', 'config'], { cwd: dir })).stderr, /^\s+at /m);
  t.regex((await run(['config'], { cwd: dir, env: { BERTH_DEBUG: '1' } })).stderr, /^\s+at /m);
  t.notRegex((await run(['config'], { cwd: dir })).stderr, /^\s+at /m);
});

test('a missing compose file exits 14', async (t) => {
  const dir = project(t, {});
  const { code, stderr } = await run(['-f', 'missing.yaml', 'config'], { cwd: dir });
  t.is(code, 14);
  t.regex(stderr, /compose file .*missing\.yaml not found/);
});

test('config -o writes the model to a file and nothing to stdout', async (t) => {
  const dir = project(t, { 'compose.yaml': 'services:\n  web:\n    image: nginx\n' });
  const { code, stdout } = await run(['config', '-o', 'out.yaml'], { cwd: dir });
  t.is(code, 0);
  t.is(stdout, '');
  t.regex(readFileSync(join(dir, 'out.yaml'), 'utf8'), /^name: berth-cli-/);
});

test('warnings go to stderr and do not fail the command', async (t) => {
  const dir = project(t, { 'compose.yaml': 'version: "3.8"\nservices:\n  web:\n    image: nginx\n' });
  const { code, stderr } = await run(['config', '-q'], { cwd: dir });
  t.is(code, 0);
  t.regex(stderr, /^warning: compose\.yaml:1:1: version: the attribute `version` is obsolete/m);
});

test('config SERVICE... narrows the model to those services and their dependencies', async (t) => {
  const dir = project(t, {
    'compose.yaml':
      'services:\n  web:\n    image: nginx\n    depends_on: [db]\n  db:\n    image: pg\n  other:\n    image: x\n',
  });
  const { code, stdout } = await run(['config', '--services', 'web'], { cwd: dir });
  t.is(code, 0);
  t.deepEqual(stdout.trim().split('\n').sort(), ['db', 'web']);
  const unknown = await run(['config', 'nope'], { cwd: dir });
  t.is(unknown.code, 15);
  t.regex(unknown.stderr, /no such service: nope/);
});
