import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { describeCondition, toWaitCondition, toWaitConditions } from '../../../src/api/wait-for.js';

test("'healthy' and { healthy: true } are the same condition; timeoutMs is kept", (t) => {
  t.deepEqual(toWaitCondition('healthy', 'wait.db'), { kind: 'healthy', timeoutMs: undefined });
  t.deepEqual(toWaitCondition({ healthy: true, timeoutMs: 500 }, 'wait.db'), { kind: 'healthy', timeoutMs: 500 });
});

test('a log pattern loses g and y, so each line is tested from its start', (t) => {
  const condition = toWaitCondition({ log: /ready/gi, times: 2 }, 'wait.web');
  t.is(condition.kind, 'log');
  if (condition.kind !== 'log') return;
  t.is(condition.pattern.flags, 'i');
  t.is(condition.times, 2);
  t.true(condition.pattern.test('READY') && condition.pattern.test('READY'));
});

test('http defaults to GET / and any 2xx; a number status must match exactly; a function decides itself', (t) => {
  const loose = toWaitCondition({ http: { port: 80 } }, 'wait.web');
  if (loose.kind !== 'http') return t.fail();
  t.is(loose.path, '/');
  t.is(loose.method, 'GET');
  t.true(loose.status(204));
  t.false(loose.status(301));
  const exact = toWaitCondition({ http: { port: 80, path: '/health', status: 418 } }, 'wait.web');
  if (exact.kind !== 'http') return t.fail();
  t.true(exact.status(418));
  t.false(exact.status(200));
  const custom = toWaitCondition({ http: { port: 80, status: (code: number) => code < 500 } }, 'wait.web');
  if (custom.kind !== 'http') return t.fail();
  t.true(custom.status(404));
  t.is(describeCondition(exact), 'GET :80/health to answer status 418');
});

test('mistakes are UserErrors naming the key path', (t) => {
  const cases: [unknown, RegExp, string][] = [
    ['ready', /expected 'healthy' or an object/, 'wait.x'],
    [{ port: 0 }, /expected a port number/, 'wait.x.port'],
    [{ port: 80, log: /x/ }, /exactly one of .*found log and port/, 'wait.x'],
    [{}, /found none/, 'wait.x'],
    [{ prot: 80 }, /unknown wait option "prot"/, 'wait.x.prot'],
    [{ log: 'ready' }, /expected a regular expression/, 'wait.x.log'],
    [{ log: /x/, times: 0 }, /whole number of lines from 1/, 'wait.x.times'],
    [{ port: 80, times: 2 }, /times goes with log only/, 'wait.x.times'],
    [{ http: { port: 80, path: 'health' } }, /starting with \//, 'wait.x.http.path'],
    [{ http: { port: 80, status: 99 } }, /HTTP status/, 'wait.x.http.status'],
    [{ healthy: true, timeoutMs: -1 }, /positive number of milliseconds/, 'wait.x.timeoutMs'],
  ];
  for (const [value, message, keyPath] of cases) {
    const error = t.throws(() => toWaitCondition(value, 'wait.x'), { instanceOf: UserError, message });
    t.is(error?.keyPath, keyPath, JSON.stringify(value));
  }
});

test('a plan names services of the project; lists get indexed key paths', (t) => {
  const conditions = toWaitConditions({ db: ['healthy', { port: 5432 }], web: { log: /up/ } }, ['db', 'web']);
  t.deepEqual([...conditions.keys()], ['db', 'web']);
  t.is(conditions.get('db')?.length, 2);
  t.throws(() => toWaitConditions({ cache: 'healthy' }, ['db', 'web']), { message: 'no such service: cache', instanceOf: UserError });
  const error = t.throws(() => toWaitConditions({ db: ['healthy', { port: 'x' as unknown as number }] }, ['db']));
  t.is((error as UserError).keyPath, 'wait.db[1].port');
});
