import test from 'ava';
import { ValueError } from '../../../src/errors.js';
import { normalizeSignal } from '../../../src/runtime/signal-name.js';

test('signal names are taken with or without SIG, in any case, and numbers from 1 to 64', (t) => {
  t.is(normalizeSignal('hup'), 'SIGHUP');
  t.is(normalizeSignal('SIGKILL'), 'SIGKILL');
  t.is(normalizeSignal('Term'), 'SIGTERM');
  t.is(normalizeSignal('9'), '9');
});

test('anything else is a ValueError that says what a signal looks like', (t) => {
  for (const bad of ['SIGFROB', 'FROB', '0', '65', '', 'SIG']) {
    t.throws(() => normalizeSignal(bad), { instanceOf: ValueError, message: /^unknown signal/ }, bad);
  }
});
