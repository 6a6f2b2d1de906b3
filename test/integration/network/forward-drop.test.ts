import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { tempStatePaths } from '../../helpers/temp-state.js';

const execFileAsync = promisify(execFile);

test('with iptables FORWARD policy DROP, berth adds per-bridge ACCEPT rules that let egress through, and removes them', async (t) => {
  const paths = await tempStatePaths(t, 'fwdrop');
  // A netns of its own for the whole scenario: the host's FORWARD policy is never touched.
  const { stdout } = await execFileAsync(
    'unshare',
    ['--net', '--', process.execPath, '--import=tsx', new URL('fixtures/forward-drop.ts', import.meta.url).pathname],
    { env: { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run }, timeout: 30_000 },
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  t.like(result, { hostForwardAccept: true, sameNetwork: true, outside: true, outsideWithoutRules: false, rulesAfterRemoval: [], cleanupErrors: [] });
  t.is((result['forwardRules'] as string[]).length, 2);
});
