import test from 'ava';
import { withScale } from '../../../src/cli/commands/stack.js';
import { engineFixture, execInService } from '../../helpers/engine-fixture.js';

const stack = (command: string, extra = ''): string => `
name: eng-recreate
services:
  app:
    image: busybox
    init: true
    command: ["sh", "-c", "${command}"]
    volumes: [data:/data]
${extra}
volumes:
  data:
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.7.0/24 }]
`;

test('a config change recreates only the changed service and keeps its named volume; an unchanged re-up does nothing', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const first = await load(stack('echo one > /data/marker; exec sleep 3600', `  side:
    image: busybox
    init: true
    command: ["sleep", "3600"]`));
  t.true((await engine.up(first, { wait: true })).ok);
  const idsBefore = new Map(engine.session('eng-recreate')?.context.index.all().map((c) => [c.name, c.id]));

  // The same file again: nothing is recreated.
  t.true((await engine.up(first, { wait: true })).ok);
  const idsSame = new Map(engine.session('eng-recreate')?.context.index.all().map((c) => [c.name, c.id]));
  t.deepEqual(idsSame, idsBefore);

  const second = await load(stack('cat /data/marker > /data/seen; exec sleep 3600', `  side:
    image: busybox
    init: true
    command: ["sleep", "3600"]`));
  t.true((await engine.up(second, { wait: true })).ok);
  const idsAfter = new Map(engine.session('eng-recreate')?.context.index.all().map((c) => [c.name, c.id]));
  t.not(idsAfter.get('eng-recreate-app-1'), idsBefore.get('eng-recreate-app-1'));
  t.is(idsAfter.get('eng-recreate-side-1'), idsBefore.get('eng-recreate-side-1'));
  const seen = await execInService(engine, 'eng-recreate', 'eng-recreate-app-1', ['cat', '/data/seen']);
  t.is(seen.stdout.trim(), 'one');
});

test('scale 1 → 3 → 1 keeps numbers as compose assigns them, and orphans go only when asked', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const base = await load(`
name: eng-scale
services:
  worker:
    image: busybox
    init: true
    command: ["sleep", "3600"]
  old:
    image: busybox
    init: true
    command: ["sleep", "3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.8.0/24 }]
`);
  const names = (): string[] => (engine.session('eng-scale')?.context.index.all().map((c) => c.name) ?? []).sort();
  t.true((await engine.up(base)).ok);
  t.true((await engine.up(withScale(base, ['worker=3']), { stopTimeoutMs: 500 })).ok);
  t.deepEqual(names(), ['eng-scale-old-1', 'eng-scale-worker-1', 'eng-scale-worker-2', 'eng-scale-worker-3']);
  t.true((await engine.up(base, { stopTimeoutMs: 500, wait: true })).ok);
  t.deepEqual(names(), ['eng-scale-old-1', 'eng-scale-worker-1']);

  // `old` leaves the file: its container is an orphan, kept until --remove-orphans.
  const { old: _old, ...services } = base.services;
  const withoutOld = { ...base, services };
  const kept = await engine.up(withoutOld, { stopTimeoutMs: 500 });
  t.true(kept.ok);
  t.deepEqual(names(), ['eng-scale-old-1', 'eng-scale-worker-1']);
  t.deepEqual(engine.session('eng-scale')?.states$.value?.decision?.orphans, ['eng-scale-old-1']);
  t.deepEqual(kept.orphans, ['eng-scale-old-1'], 'the outcome names the orphans, for the CLI to warn about');
  const removed = await engine.up(withoutOld, { stopTimeoutMs: 500, removeOrphans: true, wait: true });
  t.true(removed.ok);
  t.is(removed.orphans, undefined);
  t.deepEqual(names(), ['eng-scale-worker-1']);
  // base (with `old`) is what teardown downs; bring back nothing more.
});
