import test from 'ava';
import { normalizeWeb as web } from './normalize-helpers.js';


test('a string test runs in a shell and durations print as compose prints them', async (t) => {
  const service = await web(`
services:
  web:
    image: x
    healthcheck: {test: curl -f localhost, interval: 90s, timeout: 500ms, retries: 3, start_period: 1h, start_interval: 0s}
`);
  t.deepEqual(service.healthcheck, {
    test: ['CMD-SHELL', 'curl -f localhost'],
    timeout: '500ms',
    interval: '1m30s',
    retries: 3,
    start_period: '1h0m0s',
    start_interval: '0s',
  });
});

test('a list test is kept; disable: false is omitted, disable: true kept', async (t) => {
  t.deepEqual(
    (await web('services: {web: {image: x, healthcheck: {test: [CMD, true], disable: false}}}')).healthcheck,
    {
      test: ['CMD', 'true'],
    },
  );
  t.deepEqual((await web('services: {web: {image: x, healthcheck: {disable: true}}}')).healthcheck, {
    disable: true,
  });
});

test('a test not starting with CMD, CMD-SHELL or NONE is refused', async (t) => {
  const error = await t.throwsAsync(web('services: {web: {image: x, healthcheck: {test: [curl, x]}}}'));
  t.regex(error.message, /must start either by "CMD", "CMD-SHELL" or "NONE"/);
  t.is((error as { keyPath?: string }).keyPath, 'services.web.healthcheck.test');
});

test('a duration without a unit is refused at its key', async (t) => {
  const error = await t.throwsAsync(web('services: {web: {image: x, healthcheck: {interval: "10"}}}'));
  t.is((error as { keyPath?: string }).keyPath, 'services.web.healthcheck.interval');
});

test('stop_grace_period is canonical Go duration text', async (t) => {
  t.is((await web('services: {web: {image: x, stop_grace_period: 1m30s}}')).stop_grace_period, '1m30s');
  t.is((await web('services: {web: {image: x, stop_grace_period: 120s}}')).stop_grace_period, '2m0s');
});
