import { readFileSync } from 'node:fs';
import test from 'ava';
import { cliReference } from '../../../src/cli/cli-reference.js';

test('docs/cli-reference.md is what the commands say about themselves (run `npm run docs:cli` after changing a command)', (t) => {
  const onDisk = readFileSync(new URL('../../../docs/cli-reference.md', import.meta.url), 'utf8');
  t.is(onDisk, cliReference());
});

test('the reference covers every stack command, with its examples', (t) => {
  const reference = cliReference();
  for (const command of ['up', 'down', 'start', 'stop', 'restart', 'rm', 'create', 'kill', 'pause', 'unpause', 'run', 'events', 'ps', 'logs', 'config', 'image load']) {
    t.regex(reference, new RegExp(`## \`berth ${command}\``), command);
  }
  t.regex(reference, /berth run --rm app \.\/migrate\.sh/);
});
