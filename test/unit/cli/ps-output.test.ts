import test from 'ava';
import { alignColumns, psJsonObject, psTable } from '../../../src/cli/ps-output.js';
import type { ProjectContainer } from '../../../src/engine/project-containers.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

function container(overrides: Partial<ProjectContainer> = {}): ProjectContainer {
  return {
    id: 'c8f9b7e211629a1c7b1b5e0e4b1e4a1c8f9b7e211629a1c7b1b5e0e4b1e4a1c',
    name: 'shop-web-1',
    project: 'shop',
    service: 'web',
    number: 1,
    oneoff: false,
    image: 'nginx:1.25',
    args: ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'],
    labels: { 'com.docker.compose.service': 'web', 'com.docker.compose.project': 'shop' },
    createdAt: NOW - 4 * 60_000,
    startedAt: NOW - 3 * 60_000,
    state: 'running',
    exitCode: 0,
    health: 'healthy',
    publishers: [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: 18080, Protocol: 'tcp' }],
    networks: ['shop_default'],
    mounts: ['shop_data', '/srv/www/static/files'],
    localVolumes: 1,
    logPath: '/nonexistent',
    tty: false,
    stopRequested: false,
    ...overrides,
  };
}

test('columns are padded as Docker\'s tabwriter pads them: at least 10 wide, 3 spaces after the longest cell', (t) => {
  t.is(alignColumns([['A', 'BB', 'C'], ['aaaaaaaaaaaa', 'b', '']]), 'A              BB        C\naaaaaaaaaaaa   b         \n');
});

test('the ps table has compose\'s columns and texts', (t) => {
  const text = psTable(
    [container(), container({ name: 'shop-db-1', service: 'db', image: 'postgres', args: [], state: 'exited', exitCode: 1, finishedAt: NOW - 60_000, health: undefined, publishers: [] })],
    { truncate: true, now: NOW },
  );
  const lines = text.split('\n');
  t.is(lines[0], `NAME         IMAGE        COMMAND                  SERVICE   CREATED         ${'STATUS'.padEnd(32)}PORTS`);
  t.is(lines[1], `shop-web-1   nginx:1.25   "/docker-entrypoint.…"   web       4 minutes ago   ${'Up 3 minutes (healthy)'.padEnd(32)}127.0.0.1:18080->80/tcp`);
  // The last column is not padded; an empty one leaves the padding of the one before (as Docker prints it).
  t.is(lines[2], 'shop-db-1    postgres     ""                       db        4 minutes ago   Exited (1) About a minute ago   ');
  t.is(lines.length, 4);
});

test('an empty project still prints the header', (t) => {
  t.is(psTable([], { truncate: true, now: NOW }), 'NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS\n');
});

test('ps --format json has compose\'s fields, cut and quoted like the table unless --no-trunc', (t) => {
  const object = psJsonObject(container(), { truncate: true, now: NOW });
  t.deepEqual(Object.keys(object), [
    'Command', 'Created', 'CreatedAt', 'ExitCode', 'Health', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Name', 'Names',
    'Networks', 'Ports', 'Project', 'Publishers', 'RunningFor', 'Service', 'Size', 'State', 'Status',
  ]);
  t.like(object, {
    Command: '"/docker-entrypoint.…"',
    Created: Math.floor((NOW - 4 * 60_000) / 1000),
    ExitCode: 0,
    Health: 'healthy',
    ID: 'c8f9b7e21162',
    Labels: 'com.docker.compose.project=shop,com.docker.compose.service=web',
    LocalVolumes: '1',
    Mounts: 'shop_data,/srv/www/stati…',
    Name: 'shop-web-1',
    Names: 'shop-web-1',
    Networks: 'shop_default',
    Ports: '127.0.0.1:18080->80/tcp',
    Project: 'shop',
    RunningFor: '4 minutes ago',
    Service: 'web',
    Size: '0B',
    State: 'running',
    Status: 'Up 3 minutes (healthy)',
  });
  t.deepEqual(object['Publishers'], [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: 18080, Protocol: 'tcp' }]);
  t.regex(String(object['CreatedAt']), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \S+$/);
  const full = psJsonObject(container(), { truncate: false, now: NOW });
  t.is(full['ID'], container().id);
  t.is(full['Command'], `"/docker-entrypoint.sh nginx -g 'daemon off;'"`);
  t.is(full['Mounts'], 'shop_data,/srv/www/static/files');
});
