import test from 'ava';
import { reportError } from '../../../src/cli/report.js';
import {
  LineSplitter,
  ProtocolError,
  encodeMessage,
  errorFromWire,
  errorToWire,
  exitCodeOf,
  parseClientMessage,
  parseServerMessage,
} from '../../../src/daemon/daemon-protocol.js';
import { SystemError, UserError } from '../../../src/errors.js';

/** The lines one chunk completes. */
function lines(splitter: LineSplitter, chunk: Buffer): string[] {
  const out: string[] = [];
  splitter.push(chunk, (line) => out.push(line));
  return out;
}

function printed(error: unknown): { text: string; code: number } {
  let text = '';
  const code = reportError(error, { write: (chunk: string) => void (text += chunk) }, false);
  return { text, code };
}

test('a line split across chunks, even inside a UTF-8 character, comes out whole', (t) => {
  const bytes = Buffer.from('{"id":1,"method":"h€llo"}\n');
  const splitter = new LineSplitter();
  const cut = bytes.indexOf(0xe2) + 1;
  t.deepEqual(lines(splitter, bytes.subarray(0, 5)), []);
  t.deepEqual(lines(splitter, bytes.subarray(5, cut)), []);
  t.is(splitter.buffered, cut);
  t.deepEqual(lines(splitter, bytes.subarray(cut)), ['{"id":1,"method":"h€llo"}']);
  t.is(splitter.buffered, 0);
});

test('several lines in one chunk come out in order, and a trailing partial line waits', (t) => {
  const splitter = new LineSplitter();
  t.deepEqual(lines(splitter, Buffer.from('a\nbb\n\nccc')), ['a', 'bb', '']);
  t.deepEqual(lines(splitter, Buffer.from('c\nd')), ['cccc']);
  t.deepEqual(lines(splitter, Buffer.alloc(0)), []);
  t.deepEqual(lines(splitter, Buffer.from('\n')), ['d']);
});

test('a line longer than the bound is a protocol error, even when it arrives in small chunks', (t) => {
  const exact = new LineSplitter(8);
  t.deepEqual(lines(exact, Buffer.from('12345678\n')), ['12345678']);
  const slow = new LineSplitter(8);
  t.deepEqual(lines(slow, Buffer.from('12345')), []);
  t.throws(() => lines(slow, Buffer.from('6789')), { instanceOf: ProtocolError, message: /longer than 8 bytes/ });
  const before: string[] = [];
  t.throws(() => new LineSplitter(8).push(Buffer.from('ok\n123456789\n'), (line) => before.push(line)), { instanceOf: ProtocolError });
  t.deepEqual(before, ['ok'], 'lines before the long one are handed over');
});

test('encoding a message longer than the bound fails before anything is sent', (t) => {
  t.is(encodeMessage({ id: 1, result: 'x' }), '{"id":1,"result":"x"}\n');
  t.throws(() => encodeMessage({ id: 1, result: 'x'.repeat(100) }, 64), { instanceOf: ProtocolError });
  // JSON escapes newlines inside strings, so a message is always one line.
  t.is(encodeMessage({ id: 2, event: 'a\nb' }).split('\n').length, 2);
});

test('client messages: calls and cancels parse, anything else is a protocol error', (t) => {
  t.deepEqual(parseClientMessage('{"id":7,"method":"up","params":{"a":1}}'), { id: 7, method: 'up', params: { a: 1 } });
  t.deepEqual(parseClientMessage('{"id":"x","method":"ping"}'), { id: 'x', method: 'ping', params: undefined });
  t.deepEqual(parseClientMessage('{"id":7,"cancel":true}'), { id: 7, cancel: true });
  for (const bad of ['not json', '[1]', 'null', '{"method":"ping"}', '{"id":1.5,"method":"ping"}', '{"id":"","method":"ping"}', '{"id":1}', '{"id":1,"cancel":"yes"}']) {
    t.throws(() => parseClientMessage(bad), { instanceOf: ProtocolError }, bad);
  }
});

test('server messages: events, results (null included) and errors parse; an error may have a null id', (t) => {
  t.deepEqual(parseServerMessage('{"id":1,"event":{"n":1}}'), { id: 1, event: { n: 1 } });
  t.deepEqual(parseServerMessage('{"id":1,"result":null}'), { id: 1, result: null });
  t.deepEqual(parseServerMessage('{"id":null,"error":{"kind":"internal","message":"bad frame"}}'), {
    id: null,
    error: { kind: 'internal', message: 'bad frame' },
  });
  for (const bad of ['{"id":1}', '{"id":null,"result":1}', '{"id":1,"error":{"kind":"odd","message":"m"}}', '{"id":1,"error":{"kind":"user"}}']) {
    t.throws(() => parseServerMessage(bad), { instanceOf: ProtocolError }, bad);
  }
});

test('a UserError crosses the wire with its hint, key path, position, reason and related errors, and prints the same', (t) => {
  const original = new UserError('expected a port number, found "http"', {
    keyPath: 'services.web.ports[0]',
    hint: 'write it as 8080:80',
    position: { file: 'compose.yaml', line: 4, col: 9 },
    reason: 'invalid-project',
    related: [new UserError('second problem', { keyPath: 'services.db' })],
  });
  const wire = parseServerMessage(encodeMessage({ id: 1, error: errorToWire(original) }));
  if (!('error' in wire)) return t.fail('not an error reply');
  const back = errorFromWire(wire.error);
  t.true(back instanceof UserError);
  t.is((back as UserError).describe(), original.describe());
  t.deepEqual(printed(back), printed(original));
  t.is(printed(back).code, 15);
});

test('a SystemError keeps its operation and errno name; other errors become internal errors with their name', (t) => {
  const system = errorFromWire(errorToWire(new SystemError('no such file', 'runc create', 'ENOENT')));
  t.true(system instanceof SystemError);
  t.is((system as SystemError).describe(), 'runc create: no such file (ENOENT)');
  t.deepEqual(printed(system), printed(new SystemError('no such file', 'runc create', 'ENOENT')));

  const internal = errorToWire(new TypeError('x is undefined'));
  t.like(internal, { kind: 'internal', message: 'x is undefined', name: 'TypeError' });
  t.regex(internal.stack ?? '', /TypeError: x is undefined/);
  const back = errorFromWire(internal);
  t.false(back instanceof UserError || back instanceof SystemError);
  t.is(back.name, 'TypeError');
  t.is(printed(back).text.split('\n')[0], 'error: internal error: x is undefined');
  t.deepEqual(errorToWire('a string'), { kind: 'internal', message: 'a string' });
});

test('an exit code attached to an error survives the trip', (t) => {
  const error = Object.assign(new SystemError('container exited', 'up', 'EEXIT'), { exitCode: 42 });
  const back = errorFromWire(errorToWire(error));
  t.is(exitCodeOf(back), 42);
  t.true(back instanceof SystemError);
  t.is(exitCodeOf(errorFromWire(errorToWire(new Error('plain')))), undefined);
});

test('a failed system call crosses the wire as a system error with its errno, and prints a hint for a full disk', (t) => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', errno: -28 });
  const received = errorFromWire(errorToWire(enospc));
  t.true(received instanceof SystemError);
  t.is((received as SystemError).code, 'ENOSPC');
  let printed = '';
  t.is(reportError(received, { write: (text) => void (printed += text) }, false), 1);
  t.regex(printed, /^error: write: ENOSPC: no space left on device, write \(ENOSPC\)\n {2}hint: the disk is full/);
  // The same error in-process (no wire) is not called a bug either.
  printed = '';
  reportError(enospc, { write: (text) => void (printed += text) }, false);
  t.notRegex(printed, /internal error/);
  t.regex(printed, /hint: the disk is full/);
});
