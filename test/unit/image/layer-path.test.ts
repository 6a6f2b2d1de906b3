import test from 'ava';
import { LayerPathError, classifyWhiteout, parentOf, safeLayerPath } from '../../../src/image/layer-path.js';

test('names are made relative and clean, as Docker strips a leading slash', (t) => {
  t.is(safeLayerPath('etc/passwd'), 'etc/passwd');
  t.is(safeLayerPath('./etc//passwd'), 'etc/passwd');
  t.is(safeLayerPath('/etc/passwd'), 'etc/passwd');
  t.is(safeLayerPath('etc/'), 'etc');
  t.is(safeLayerPath('./'), '');
  t.is(safeLayerPath('a/b/../c'), 'a/c');
});

test('.. that climbs above the layer root is refused, also after a stripped slash', (t) => {
  for (const name of ['../x', 'a/../../x', '/../etc/passwd', 'a/b/../../../x']) {
    const error = t.throws(() => safeLayerPath(name), { instanceOf: LayerPathError });
    t.regex(error.message, /outside the layer/);
  }
});

test('a NUL byte in a name is refused', (t) => {
  t.throws(() => safeLayerPath('a\0b'), { message: /NUL byte/ });
});

test('whiteout names: opaque marker, plain whiteout, aufs bookkeeping, ordinary names', (t) => {
  t.deepEqual(classifyWhiteout('.wh..wh..opq'), { kind: 'opaque' });
  t.deepEqual(classifyWhiteout('.wh.motd'), { kind: 'whiteout', hides: 'motd' });
  t.deepEqual(classifyWhiteout('.wh..wh.plnk'), { kind: 'aufs-meta' });
  t.deepEqual(classifyWhiteout('motd'), { kind: 'none' });
  t.throws(() => classifyWhiteout('.wh.'), { instanceOf: LayerPathError });
  t.throws(() => classifyWhiteout('.wh...'), { instanceOf: LayerPathError });
});

test('parentOf gives the directory part of a clean path', (t) => {
  t.is(parentOf('a/b/c'), 'a/b');
  t.is(parentOf('a'), '');
});
