import test from 'ava';
import { commandColumn, commandText, ellipsis, goQuote, humanDuration, portsText, statusText } from '../../../src/cli/container-summary-text.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

test('humanDuration words durations as go-units does', (t) => {
  t.is(humanDuration(999), 'Less than a second');
  t.is(humanDuration(1500), '1 second');
  t.is(humanDuration(59 * SECOND), '59 seconds');
  t.is(humanDuration(60 * SECOND), 'About a minute');
  t.is(humanDuration(119 * SECOND), 'About a minute');
  t.is(humanDuration(2 * MINUTE), '2 minutes');
  t.is(humanDuration(59 * MINUTE), '59 minutes');
  t.is(humanDuration(60 * MINUTE), 'About an hour');
  // Hours are rounded: 1 h 30 min is already "2 hours".
  t.is(humanDuration(90 * MINUTE), '2 hours');
  t.is(humanDuration(47 * HOUR), '47 hours');
  t.is(humanDuration(48 * HOUR), '2 days');
  t.is(humanDuration(14 * DAY), '2 weeks');
  t.is(humanDuration(60 * DAY), '2 months');
  t.is(humanDuration(730 * DAY), '2 years');
});

test('statusText words each state as the Docker engine does', (t) => {
  const now = 1_000_000_000;
  t.is(statusText({ state: 'running', startedAt: now - 5 * SECOND }, now), 'Up 5 seconds');
  t.is(statusText({ state: 'running', startedAt: now - 5 * SECOND, health: 'healthy' }, now), 'Up 5 seconds (healthy)');
  t.is(statusText({ state: 'running', startedAt: now - 5 * SECOND, health: 'unhealthy' }, now), 'Up 5 seconds (unhealthy)');
  t.is(statusText({ state: 'running', startedAt: now - 5 * SECOND, health: 'starting' }, now), 'Up 5 seconds (health: starting)');
  t.is(statusText({ state: 'paused', startedAt: now - 2 * MINUTE }, now), 'Up 2 minutes (Paused)');
  t.is(statusText({ state: 'exited', exitCode: 1, finishedAt: now - 3 * MINUTE }, now), 'Exited (1) 3 minutes ago');
  t.is(statusText({ state: 'exited', exitCode: 137, finishedAt: now - 500 }, now), 'Exited (137) Less than a second ago');
  t.is(statusText({ state: 'exited', exitCode: 255 }, now), 'Exited (255)');
  t.is(statusText({ state: 'restarting', exitCode: 2, finishedAt: now - 1 * SECOND }, now), 'Restarting (2) 1 second ago');
  t.is(statusText({ state: 'created' }, now), 'Created');
  t.is(statusText({ state: 'dead' }, now), 'Dead');
  t.is(statusText({ state: 'removing' }, now), 'Removal In Progress');
});

test('portsText shows mappings and groups consecutive unpublished ports into ranges', (t) => {
  t.is(portsText([{ URL: '127.0.0.1', TargetPort: 8080, PublishedPort: 18080, Protocol: 'tcp' }]), '127.0.0.1:18080->8080/tcp');
  t.is(
    portsText([
      { URL: '', TargetPort: 443, PublishedPort: 0, Protocol: 'tcp' },
      { URL: '', TargetPort: 80, PublishedPort: 0, Protocol: 'tcp' },
      { URL: '', TargetPort: 8080, PublishedPort: 0, Protocol: 'tcp' },
    ]),
    '80/tcp, 443/tcp, 8080/tcp',
  );
  t.is(
    portsText([
      { URL: '', TargetPort: 3000, PublishedPort: 0, Protocol: 'tcp' },
      { URL: '', TargetPort: 3001, PublishedPort: 0, Protocol: 'tcp' },
      { URL: '', TargetPort: 3002, PublishedPort: 0, Protocol: 'tcp' },
      { URL: '', TargetPort: 53, PublishedPort: 0, Protocol: 'udp' },
    ]),
    '53/udp, 3000-3002/tcp',
  );
  // Published on the same number: grouped like the engine's own list, host address in front.
  t.is(
    portsText([
      { URL: '0.0.0.0', TargetPort: 81, PublishedPort: 81, Protocol: 'tcp' },
      { URL: '0.0.0.0', TargetPort: 80, PublishedPort: 80, Protocol: 'tcp' },
      { URL: '0.0.0.0', TargetPort: 5000, PublishedPort: 5001, Protocol: 'tcp' },
      { URL: '', TargetPort: 9000, PublishedPort: 0, Protocol: 'tcp' },
    ]),
    '0.0.0.0:80-81->80-81/tcp, 9000/tcp, 0.0.0.0:5001->5000/tcp',
  );
  t.is(portsText([]), '');
});

test('commandText joins path and arguments, quoting those with spaces', (t) => {
  t.is(commandText(['nginx', '-g', 'daemon off;']), "nginx -g 'daemon off;'");
  t.is(commandText(['/docker-entrypoint.sh']), '/docker-entrypoint.sh');
  t.is(commandText([]), '');
});

test('the COMMAND column is cut to 20 characters with an ellipsis and quoted like Go', (t) => {
  t.is(commandColumn("sh -c 'echo hello; sleep 30'", true), '"sh -c \'echo hello; …"');
  t.is(commandColumn("sh -c 'echo hello; sleep 30'", false), '"sh -c \'echo hello; sleep 30\'"');
  t.is(commandColumn('short', true), '"short"');
  t.is(commandColumn('', true), '""');
  t.is(ellipsis('12345678901234567890', 20), '12345678901234567890');
  t.is(ellipsis('123456789012345678901', 20), '1234567890123456789…');
  // Wide characters take two columns.
  t.is(ellipsis('日本語のテキストです', 10), '日本語の…');
  t.is(goQuote('a "b"\\\n\t\x01é'), '"a \\"b\\"\\\\\\n\\t\\x01é"');
});
