import test from 'ava';
import { type ProbeResult, type ReadinessProbe, type WaitClock, waitUntilReady } from '../../../src/api/readiness-loop.js';

/** Time passes only when the loop sleeps or a look takes time: no real waiting. */
function fakeClock(): WaitClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

function probe(answers: (look: number) => ProbeResult, extra: Partial<ReadinessProbe> = {}): ReadinessProbe & { looks: number } {
  const state: ReadinessProbe & { looks: number } = {
    looks: 0,
    check: (): Promise<ProbeResult> => Promise.resolve(answers(++state.looks)),
    ...extra,
  };
  return state;
}

test('looks again with doubling pauses (capped) until the probe is ready', async (t) => {
  const clock = fakeClock();
  const result = await waitUntilReady(probe((look) => (look < 6 ? { ready: false, detail: 'refused' } : { ready: true })), 10_000, clock);
  t.deepEqual(result, { ready: true });
  t.deepEqual(clock.sleeps, [25, 50, 100, 200, 250]);
});

test('gives up at the deadline with the last detail, never sleeping past it', async (t) => {
  const clock = fakeClock();
  const result = await waitUntilReady(probe((look) => ({ ready: false, detail: `look ${look}` })), 1_000, clock);
  t.false(result.ready);
  if (result.ready) return;
  t.true(result.timedOut);
  t.is(clock.now(), 1_000);
  t.is(result.detail, `look ${clock.sleeps.length + 1}`);
});

test('a final answer ends the wait at once, before the timeout', async (t) => {
  const clock = fakeClock();
  const result = await waitUntilReady(probe((look) => ({ ready: false, detail: 'exited with code 1', final: look === 2 })), 60_000, clock);
  t.deepEqual(result, { ready: false, detail: 'exited with code 1', timedOut: false });
  t.deepEqual(clock.sleeps, [25]);
});

test('a change wakes the loop before the timer; with change events the pauses grow to a second', async (t) => {
  const clock: WaitClock & { sleeps: number[] } = { ...fakeClock(), sleeps: [], now: () => 0, sleep: () => new Promise(() => undefined) };
  const changes = probe((look) => (look < 9 ? { ready: false, detail: 'starting' } : { ready: true }), { changed: () => Promise.resolve() });
  t.deepEqual(await waitUntilReady(changes, 5_000, clock), { ready: true });
  t.is(changes.looks, 9);

  const timed = fakeClock();
  await waitUntilReady(probe((look) => (look < 9 ? { ready: false, detail: 'starting' } : { ready: true }), { changed: () => new Promise(() => undefined) }), 60_000, timed);
  t.deepEqual(timed.sleeps, [25, 50, 100, 200, 400, 800, 1000, 1000]);
});

test('each look gets what is left of the budget, at most two seconds', async (t) => {
  const clock = fakeClock();
  const budgets: number[] = [];
  await waitUntilReady({ check: (budget) => (budgets.push(budget), Promise.resolve({ ready: false, detail: 'x' })) }, 2_100, clock);
  t.is(budgets[0], 2_000);
  t.true((budgets.at(-1) ?? 0) <= 100);
});
