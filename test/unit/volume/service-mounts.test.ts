import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { parseTmpfsSpec, volumeRealName } from '../../../src/volume/service-mounts.js';

test('tmpfs short syntax: noexec, nosuid, nodev by default; size with units; other options appended', (t) => {
  t.deepEqual(parseTmpfsSpec('/run', 'tmpfs[0]'), { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec'] });
  t.deepEqual(parseTmpfsSpec('/run:size=64m,mode=755,exec', 'tmpfs[0]').options, ['nosuid', 'nodev', 'noexec', 'size=67108864', 'mode=755', 'exec']);
});

test('tmpfs with a relative target or a bad size is a user error', (t) => {
  t.throws(() => parseTmpfsSpec('run', 'tmpfs[0]'), { instanceOf: UserError, message: /not absolute/ });
  t.throws(() => parseTmpfsSpec('/run:size=lots', 'tmpfs[0]'), { instanceOf: UserError, message: /invalid tmpfs size/ });
});

test('volume names are <project>_<key> unless name: is set', (t) => {
  t.is(volumeRealName('shop', 'data', {}), 'shop_data');
  t.is(volumeRealName('shop', 'data', { name: 'shared' }), 'shared');
});
