import test from 'ava';
import { colourForService, LOG_COLOURS, LogPrinter, wantsColour } from '../../../src/cli/log-printer.js';
import { logName, parseTail } from '../../../src/cli/commands/logs.js';
import { statusFilter } from '../../../src/cli/commands/ps.js';
import { UserError } from '../../../src/errors.js';

function collector(): { out: { write(text: string): void }; text: () => string } {
  let text = '';
  return { out: { write: (chunk) => void (text += chunk) }, text: () => text };
}

test('a service always gets the same colour, one of compose\'s', (t) => {
  for (const service of ['web', 'db', 'cache', 'worker', 'a-very-long-service-name', 'ünïcode']) {
    t.true(LOG_COLOURS.includes(colourForService(service)));
    t.is(colourForService(service), colourForService(service));
  }
  // Different services spread over the palette (not all on one colour).
  const used = new Set(['web', 'db', 'cache', 'worker', 'api', 'proxy', 'queue', 'mail'].map(colourForService));
  t.true(used.size >= 4);
});

test('prefixes are padded to the longest name plus one, then " | "', (t) => {
  const { out, text } = collector();
  const printer = new LogPrinter(out, { colour: false, prefix: true, timestamps: false });
  printer.register('web-1', 'web');
  printer.register('database-1', 'database');
  printer.line('web-1', 'hello', undefined);
  printer.line('database-1', 'ready', undefined);
  t.is(text(), 'web-1       | hello\ndatabase-1  | ready\n');
});

test('colour wraps the prefix only; --no-log-prefix prints the bare line; -t puts the UTC time first', (t) => {
  const coloured = collector();
  const printer = new LogPrinter(coloured.out, { colour: true, prefix: true, timestamps: false });
  printer.register('web-1', 'web');
  printer.line('web-1', 'hello', undefined);
  t.is(coloured.text(), `\x1b[${colourForService('web')}mweb-1  | \x1b[0mhello\n`);

  const bare = collector();
  const plain = new LogPrinter(bare.out, { colour: false, prefix: false, timestamps: true });
  plain.register('web-1', 'web');
  plain.line('web-1', 'hello', 1_714_564_800_000_000_007n);
  t.is(bare.text(), '2024-05-01T12:00:00.000000007Z hello\n');
});

test('status lines name the container: "web-1 exited with code 0"', (t) => {
  const { out, text } = collector();
  const printer = new LogPrinter(out, { colour: false, prefix: true, timestamps: false });
  printer.register('web-1', 'web');
  printer.status('web-1', 'exited with code 0');
  t.is(text(), 'web-1 exited with code 0\n');
});

test('colour only on a terminal, and not with --no-color or NO_COLOR', (t) => {
  t.true(wantsColour({ env: {}, stdout: { isTTY: true } }));
  t.false(wantsColour({ env: {}, stdout: {} }), 'a writer without isTTY is no terminal');
  t.false(wantsColour({ env: {}, stdout: { isTTY: false } }));
  t.false(wantsColour({ noColor: true, env: {}, stdout: { isTTY: true } }));
  t.false(wantsColour({ env: { NO_COLOR: '1' }, stdout: { isTTY: true } }));
  t.true(wantsColour({ env: { NO_COLOR: '' }, stdout: { isTTY: true } }), 'an empty NO_COLOR does not count');
});

test('log names drop the project prefix unless container_name chose the name', (t) => {
  t.is(logName({ name: 'shop-web-1', project: 'shop', service: 'web', number: 1 }), 'web-1');
  t.is(logName({ name: 'my-proxy', project: 'shop', service: 'proxy', number: 1 }), 'my-proxy');
});

test('--tail takes a count or "all"; a negative count means all', (t) => {
  t.is(parseTail('all'), undefined);
  t.is(parseTail('0'), 0);
  t.is(parseTail('25'), 25);
  t.is(parseTail('-1'), undefined);
  t.throws(() => parseTail('ten'), { instanceOf: UserError, message: /expected a number of lines or "all"/ });
});

test('ps --status and --filter status= take Docker\'s state names only', (t) => {
  t.deepEqual(statusFilter(['running'], 'status=exited'), ['running', 'exited']);
  t.deepEqual(statusFilter([], undefined), []);
  t.throws(() => statusFilter(['up'], undefined), { instanceOf: UserError, message: /invalid status "up"/ });
  t.throws(() => statusFilter([], 'status'), { message: /KEY=VAL/ });
  t.throws(() => statusFilter([], 'name=web'), { message: /unknown filter name/ });
});
