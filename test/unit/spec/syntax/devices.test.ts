import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import { parseDeviceSpec } from '../../../../src/spec/syntax/devices.js';

const parses: [string, { source: string; target: string; permissions: string }][] = [
  ['/dev/a', { source: '/dev/a', target: '/dev/a', permissions: 'rwm' }],
  ['/dev/a:/dev/b', { source: '/dev/a', target: '/dev/b', permissions: 'rwm' }],
  ['/dev/a:/dev/b:r', { source: '/dev/a', target: '/dev/b', permissions: 'r' }],
  ['/dev/a::rw', { source: '/dev/a', target: '/dev/a', permissions: 'rw' }],
];
for (const [spec, expected] of parses) {
  test(`device "${spec}" becomes source, target and permissions`, (t) => {
    t.deepEqual(parseDeviceSpec(spec), expected);
  });
}

test('a device with more than three parts asks for the long syntax', (t) => {
  const error = t.throws(() => parseDeviceSpec('/a:/b:rwm:x'), { instanceOf: ValueError });
  t.is(error?.message, 'invalid device "/a:/b:rwm:x": too many colons');
  t.regex(error?.hint ?? '', /long syntax/);
});
