import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { resolveContainerUser } from '../../../src/runtime/container-user.js';

const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n# comment\nbroken-line\n';
const group = 'root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nwheel:x:10:root\n';

test('no user means root with root\'s supplementary groups', (t) => {
  t.deepEqual(resolveContainerUser(undefined, undefined, passwd, group), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
});

test('a uid found in passwd takes its gid and home; an unknown uid gets gid 0 and /', (t) => {
  t.deepEqual(resolveContainerUser('1000', undefined, passwd, group), { uid: 1000, gid: 1000, additionalGids: [2000], home: '/home/app' });
  t.deepEqual(resolveContainerUser('4321', undefined, passwd, group), { uid: 4321, gid: 0, additionalGids: [], home: '/' });
});

test('an explicit group replaces the primary group and skips /etc/group memberships', (t) => {
  t.deepEqual(resolveContainerUser('app:wheel', undefined, passwd, group), { uid: 1000, gid: 10, additionalGids: [], home: '/home/app' });
});

test('unknown user and group names are user errors with their key', (t) => {
  t.throws(() => resolveContainerUser('ghost', undefined, passwd, group), { instanceOf: UserError, message: /unable to find user ghost/ });
  const error = t.throws(() => resolveContainerUser('app', ['nogroup'], passwd, group), { instanceOf: UserError });
  t.is(error.keyPath, 'group_add');
});
