import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { main } from '../../../src/cli/main.js';
import { jsonProgress } from '../../../src/cli/progress/json-progress.js';
import { progressColour, progressReporter, resolveProgressMode } from '../../../src/cli/progress/progress-reporter.js';
import { ttyProgress } from '../../../src/cli/progress/tty-progress.js';
import type { ProgressSnapshot, RequestOutcome } from '../../../src/engine/request-outcome.js';
import type { ObservedContainer, ServiceStatus } from '../../../src/plan/plan-types.js';

const container = (name: string, status: ObservedContainer['status'], extra: Partial<ObservedContainer> = {}): ObservedContainer => ({
  name: `pg-u-${name}-1`, service: name, number: 1, configHash: 'h', status, restartCount: 0, ...extra,
});
const snapshot = (observed: Partial<ProgressSnapshot['observed']>, services: Record<string, ServiceStatus> = {}): ProgressSnapshot => ({
  observed: { networks: [], volumes: [], refreshedImages: [], containers: [], ...observed },
  decision: { services },
});
const failedWeb: RequestOutcome = {
  ok: false,
  services: [{ service: 'db', status: { state: 'running' } }, { service: 'web', status: { state: 'exited', exitCode: 1 } }],
  failures: [{ service: 'web', reason: 'exited with code 1' }],
  errors: [],
};
const run = [
  snapshot({}),
  snapshot({ networks: ['pg-u_default'] }),
  snapshot({ networks: ['pg-u_default'], containers: [container('db', 'running'), container('web', 'exited', { exitCode: 1 })] }, { web: { state: 'exited', exitCode: 1 } }),
];
const terminal = { write: () => undefined, isTTY: true };
const pipe = { write: () => undefined };
// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

test('auto is tty on a terminal and plain on a pipe; --ansi and TERM=dumb decide before the stream does', (t) => {
  t.is(resolveProgressMode({}, terminal, {}), 'tty');
  t.is(resolveProgressMode({}, pipe, {}), 'plain');
  t.is(resolveProgressMode({ progress: 'auto' }, terminal, { TERM: 'dumb' }), 'plain');
  t.is(resolveProgressMode({ ansi: 'never' }, terminal, {}), 'plain');
  t.is(resolveProgressMode({ ansi: 'always' }, pipe, {}), 'tty');
  t.is(resolveProgressMode({ progress: 'json' }, terminal, {}), 'json');
  t.is(resolveProgressMode({ progress: 'quiet' }, terminal, {}), 'quiet');
  t.throws(() => resolveProgressMode({ progress: 'tty', ansi: 'never' }, terminal, {}), { message: /--ansi never/ });
});

test('colour on a terminal unless NO_COLOR is set and not empty; --ansi always and never win', (t) => {
  t.true(progressColour({}, terminal, {}));
  t.true(progressColour({}, terminal, { NO_COLOR: '' }));
  t.false(progressColour({}, terminal, { NO_COLOR: '1' }));
  t.false(progressColour({}, pipe, {}));
  t.true(progressColour({ ansi: 'always' }, pipe, { NO_COLOR: '1' }));
  t.false(progressColour({ ansi: 'never' }, terminal, {}));
});

test('json: one object per row change with compose-like id, status and text, then one per failure', async (t) => {
  const lines: string[] = [];
  let clock = 0;
  const reporter = jsonProgress((line) => lines.push(line), { verb: 'up', now: () => clock });
  for (const s of run) {
    reporter.onState(s);
    clock += 500;
  }
  await reporter.finish(failedWeb);
  t.true(lines.every((line) => line.endsWith('\n')));
  t.deepEqual(
    lines.map((line) => JSON.parse(line) as unknown),
    [
      { id: 'Network pg-u_default', kind: 'network', name: 'pg-u_default', status: 'done', text: 'Created', elapsed: 0.5 },
      { id: 'Container pg-u-db-1', kind: 'container', name: 'pg-u-db-1', service: 'db', status: 'done', text: 'Started', elapsed: 0.5 },
      { id: 'Container pg-u-web-1', kind: 'container', name: 'pg-u-web-1', service: 'web', status: 'error', text: 'Exited (1)', elapsed: 0.5 },
      { tail: true, status: 'error', service: 'web', text: 'exited with code 1' },
    ],
  );
});

test('quiet prints nothing; plain prints the compose-style lines of progress-lines', async (t) => {
  let quiet = '';
  const silent = progressReporter({ progress: 'quiet' }, { stderr: { write: (text) => void (quiet += text) }, env: {} }, 'up');
  for (const s of run) silent.onState(s);
  await silent.finish(failedWeb);
  t.is(quiet, '');
  let plain = '';
  const lines = progressReporter({ progress: 'plain' }, { stderr: { write: (text) => void (plain += text) }, env: {} }, 'up');
  for (const s of run) lines.onState(s);
  await lines.finish(failedWeb);
  // progress-lines reports a container's first appearance as Created, whatever state it is in by then.
  t.regex(plain, /^ Network pg-u_default {2}Created {2}[\d.]+s\n Container pg-u-db-1 {2}Created {2}[\d.]+s\n Container pg-u-web-1 {2}Created {2}[\d.]+s\n$/);
});

test('tty: listr2 draws aligned rows with times, ends with the final frame and a summary of the failed services', async (t) => {
  let screen = '';
  let clock = 0;
  const reporter = ttyProgress({ write: (text) => void (screen += text), columns: 100, rows: 30 }, { verb: 'up', colour: false, now: () => clock });
  for (const s of run) {
    reporter.onState(s);
    clock += 1500;
  }
  await reporter.finish(failedWeb);
  await reporter.finish(failedWeb);
  const frame = stripAnsi(screen).split('\n');
  // The time column lines up: the header's total over the rows' times.
  const last = frame.slice(frame.lastIndexOf(frame.find((line) => line.includes('Running 3/3')) ?? ''));
  t.deepEqual(last.map((line) => line.trimEnd()), [
    '✖ Running 3/3                           4.5s',
    '✔ Network   pg-u_default  Created       1.5s',
    '✔ Container pg-u-db-1     Started       1.5s',
    '✖ Container pg-u-web-1    Exited (1)    1.5s',
    '',
    '1 of 2 services failed:',
    '  ✘ web  exited with code 1',
    '',
  ]);
  t.false(screen.includes('\x1b[3'), 'no colour codes without colour');
});

test('tty with colour paints failed rows red and done rows green', async (t) => {
  let screen = '';
  const reporter = ttyProgress({ write: (text) => void (screen += text) }, { verb: 'up', colour: true });
  for (const s of run) reporter.onState(s);
  await reporter.finish(failedWeb);
  t.true(screen.includes('\x1b[31mExited (1)'));
  t.true(screen.includes('\x1b[32mStarted'));
});

test('tty: a command that fails before its request began draws nothing', async (t) => {
  let screen = '';
  const reporter = ttyProgress({ write: (text) => void (screen += text) }, { verb: 'down', colour: false });
  await reporter.finish();
  t.is(screen, '');
});

test('berth refuses --progress tty with --ansi never, and unknown modes, before touching the engine', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-progress-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'compose.yaml'), 'name: pg-refuse\nservices:\n  web:\n    image: busybox\n');
  let stderr = '';
  const context = { cwd: dir, env: { HOME: '/nonexistent' }, stdout: { write: () => undefined }, stderr: { write: (text: string) => void (stderr += text) } };
  t.is(await main(['--progress', 'tty', '--ansi', 'never', 'up', '-d'], context), 1);
  t.regex(stderr, /error: --progress tty .*--ansi never/);
  stderr = '';
  t.is(await main(['--progress', 'fancy', 'down'], context), 2);
  t.regex(stderr, /argument 'fancy' is invalid. Allowed choices are auto, tty, plain, quiet, json/);
});
