import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { BenchResult } from '../../../bench/stats.js';

const repo = path.resolve(import.meta.dirname, '../../..');

test('npm run bench -- web --quick brings a web stack up and down through berthd, prints its rows, writes JSON and leaves nothing', async (t) => {
  if (!existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) t.fail('dist/ is not built: run npm run build first');
  const results = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'));
  t.teardown(() => rmSync(results, { recursive: true, force: true }));
  // Subnets 10.240.125–129 (base 125): apart from a full `npm run bench` (120–124) running at the same time.
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'web', '--quick', '--results', results, '--subnet-base', '125'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  // SIGINT makes the bench bring its stack and berthd down before it exits.
  t.teardown(() => void child.kill('SIGINT'));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.is(code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);

  t.regex(stdout, /^web 3: cold up -d +\d/m);
  t.regex(stdout, /^web 3: no-op up -d +\d/m);
  t.regex(stdout, /^web 3: down -t 0 +\d/m);
  const files = readdirSync(results).filter((name) => name.startsWith('bench-quick-') && name.endsWith('.json'));
  t.is(files.length, 1);
  const written = JSON.parse(readFileSync(path.join(results, files[0] ?? ''), 'utf8')) as { machine: { cpus: number }; results: BenchResult[]; failures: string[] };
  t.deepEqual(written.failures, []);
  t.true(written.machine.cpus > 0);
  t.deepEqual(written.results.map((r) => r.scenario), ['web 3: cold up -d', 'web 3: no-op up -d', 'web 3: down -t 0']);
  for (const result of written.results) t.true(result.samples === 1 && result.median > 0 && result.median < 20_000, result.scenario);

  // Its state roots (named in its log) are gone, so no mount, container or berthd of it remains.
  const base = /state under (\S+)/.exec(stderr)?.[1];
  t.truthy(base);
  t.false(existsSync(base ?? '/'), `${base} still exists`);
});
