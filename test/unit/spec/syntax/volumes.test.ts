import test from 'ava';
import { ValueError } from '../../../../src/errors.js';
import type { ServiceVolumeConfig } from '../../../../src/spec/model.js';
import { parseVolumeSpec } from '../../../../src/spec/syntax/volumes.js';

const parses: [string, ServiceVolumeConfig][] = [
  ['/data', { type: 'volume', target: '/data', volume: {} }],
  ['/data/', { type: 'volume', target: '/data', volume: {} }],
  ['name:/data', { type: 'volume', source: 'name', target: '/data', volume: {} }],
  ['./dir:/data:ro', { type: 'bind', source: './dir', target: '/data', read_only: true, bind: {} }],
  ['/host:/data:rw,z', { type: 'bind', source: '/host', target: '/data', bind: { selinux: 'z' } }],
  [
    '~/x:/x:Z,rslave',
    { type: 'bind', source: '~/x', target: '/x', bind: { selinux: 'Z', propagation: 'rslave' } },
  ],
  ['name:/data:nocopy', { type: 'volume', source: 'name', target: '/data', volume: { nocopy: true } }],
  [
    'name:/data:ro,nocopy',
    { type: 'volume', source: 'name', target: '/data', read_only: true, volume: { nocopy: true } },
  ],
  ['../up:/a/./b/', { type: 'bind', source: '../up', target: '/a/b', bind: {} }],
  ['/h:/c:ro,rw', { type: 'bind', source: '/h', target: '/c', bind: {} }],
  ['/h:/c:delegated', { type: 'bind', source: '/h', target: '/c', bind: {} }],
  [
    'name:/data:shared',
    { type: 'volume', source: 'name', target: '/data', bind: { propagation: 'shared' }, volume: {} },
  ],
  ['${VOL:-a:b}:/data', { type: 'volume', source: '${VOL:-a:b}', target: '/data', volume: {} }],
  ['C:\\dir:/data', { type: 'bind', source: 'C:\\dir', target: '/data', bind: {} }],
  ['/a', { type: 'volume', target: '/a' }],
];
for (const [spec, expected] of parses) {
  test(`volume "${spec}" becomes compose's long form`, (t) => {
    t.deepEqual(parseVolumeSpec(spec), expected);
  });
}

test('a one-letter source is a Windows drive, as compose reads it', (t) => {
  t.deepEqual(parseVolumeSpec('a:/data'), { type: 'volume', target: 'a:/data', volume: {} });
});

test('long form keys come in the order compose prints them', (t) => {
  t.deepEqual(Object.keys(parseVolumeSpec('./a:/b:ro')), ['type', 'source', 'target', 'read_only', 'bind']);
});

const rejects: [string, string][] = [
  ['', 'invalid volume "": it is empty'],
  ['ab::/b', 'invalid volume "ab::/b": empty section between colons'],
  ['/a:/b:ro:x', 'invalid volume "/a:/b:ro:x": too many colons'],
  ['/a:/b:', 'invalid volume "/a:/b:": empty section between colons'],
];
for (const [spec, message] of rejects) {
  test(`volume "${spec}" is rejected`, (t) => {
    const error = t.throws(() => parseVolumeSpec(spec), { instanceOf: ValueError });
    t.is(error?.message, message);
    t.regex(error?.hint ?? '', /SOURCE:\]TARGET/);
  });
}
