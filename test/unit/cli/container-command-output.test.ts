import test from 'ava';
import { execEnvironment, wantsTerminal } from '../../../src/cli/commands/exec.js';
import { containerByIdPrefix, containerByReference, resolveTargets, serviceContainers } from '../../../src/cli/commands/inspect.js';
import { lsTable, nameFilter } from '../../../src/cli/commands/ls.js';
import { mappingText, parsePrivatePort, publicAddress } from '../../../src/cli/commands/port.js';
import { topTable } from '../../../src/cli/commands/top.js';
import { parseInspectTemplate, renderInspectTemplate } from '../../../src/cli/inspect-template.js';
import { tabColumns } from '../../../src/cli/tab-columns.js';
import { UserError } from '../../../src/errors.js';
import type { PortPublisher } from '../../../src/engine/project-containers.js';
import type { ContainerStatus } from '../../../src/runtime/container-runtime.js';

test('tabColumns pads every cell but the last to the widest plus padding, never under the minimum width', (t) => {
  t.is(tabColumns([['A', 'BB', 'C'], ['aaaaaaa', 'b', 'last cell']], { minWidth: 4, padding: 2 }), 'A        BB  C\naaaaaaa  b   last cell\n');
  t.is(tabColumns([['NAME', 'STATUS'], ['x', 'running(1)']], { minWidth: 20, padding: 3 }), 'NAME                STATUS\nx                   running(1)\n');
  // Widths count characters, not bytes.
  t.is(tabColumns([['é', 'x'], ['ab', 'y']], { minWidth: 1, padding: 1 }), 'é  x\nab y\n');
});

test('top prints one table, containers by name, SERVICE and # before ps\'s columns; nothing when there are no processes', (t) => {
  const row = (pid: string, command: string): string[] => ['root', pid, '1', '0', '10:00', '?', '00:00:00', command];
  const text = topTable([
    { name: 'p-web-2', service: 'web', number: 2, rows: [row('30', 'sleep 3600')] },
    { name: 'p-db-1', service: 'db', number: 1, rows: [row('10', 'postgres -D /data'), row('11', 'postgres: writer')] },
  ]);
  t.is(
    text,
    [
      'SERVICE  #   UID   PID  PPID  C   STIME  TTY  TIME      CMD',
      'db       1   root  10   1     0   10:00  ?    00:00:00  postgres -D /data',
      'db       1   root  11   1     0   10:00  ?    00:00:00  postgres: writer',
      'web      2   root  30   1     0   10:00  ?    00:00:00  sleep 3600',
      '',
    ].join('\n'),
  );
  t.is(topTable([{ name: 'x', service: 'x', number: 1, rows: [] }]), '');
});

test('ls prints compose\'s table; --filter name= takes regular expressions, any of them may match', (t) => {
  t.is(lsTable([{ Name: 'shop', Status: 'exited(1), running(2)', ConfigFiles: '/srv/shop/compose.yaml' }]), [
    'NAME                STATUS                  CONFIG FILES',
    'shop                exited(1), running(2)   /srv/shop/compose.yaml',
    '',
  ].join('\n'));
  const matches = nameFilter(['name=^sh', 'name=db$']);
  t.true(matches?.('shop') === true && matches('mydb') && !matches('web'));
  t.is(nameFilter([]), undefined);
  t.throws(() => nameFilter(['label=x']), { instanceOf: UserError, message: "invalid filter 'label'" });
  t.throws(() => nameFilter(['name']), { message: /expected name=value/ });
  t.throws(() => nameFilter(['name=(']), { message: /not a regular expression/ });
});

const publishers: PortPublisher[] = [
  { URL: '0.0.0.0', TargetPort: 53, PublishedPort: 5353, Protocol: 'udp' },
  { URL: '127.0.0.1', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' },
  { URL: '', TargetPort: 90, PublishedPort: 0, Protocol: 'tcp' },
];

test('port answers host:port for the port and protocol, ":0" for an exposed-only port, nothing for an unknown one', (t) => {
  t.is(publicAddress(publishers, 80, 'tcp'), '127.0.0.1:8080');
  t.is(publicAddress(publishers, 53, 'udp'), '0.0.0.0:5353');
  t.is(publicAddress(publishers, 53, 'tcp'), undefined);
  t.is(publicAddress(publishers, 90, 'tcp'), ':0');
  t.is(mappingText(publishers[1] as PortPublisher), '80/tcp -> 127.0.0.1:8080');
  t.is(parsePrivatePort('65535'), 65535);
  for (const bad of ['0', '65536', '80/tcp', '-1', '']) t.throws(() => parsePrivatePort(bad), { instanceOf: UserError }, bad);
});

test('exec -e takes KEY=VALUE as given and KEY from the environment (dropped when unset); a terminal only when asked for and possible', (t) => {
  t.deepEqual(execEnvironment(['A=1', 'B=', 'HOME', 'UNSET'], { HOME: '/root' }), ['A=1', 'B=', 'HOME=/root']);
  t.throws(() => execEnvironment(['=x'], {}), { instanceOf: UserError });
  const terminal = { noTty: false, detach: false, inherit: true, stdinIsTerminal: true, stdoutIsTerminal: true };
  t.true(wantsTerminal(terminal));
  t.false(wantsTerminal({ ...terminal, noTty: true }));
  t.false(wantsTerminal({ ...terminal, detach: true }));
  t.false(wantsTerminal({ ...terminal, inherit: false }));
  t.false(wantsTerminal({ ...terminal, stdinIsTerminal: false }));
  t.false(wantsTerminal({ ...terminal, stdoutIsTerminal: false }));
});

function status(id: string, name: string, labels: Record<string, string> = {}): ContainerStatus {
  return { record: { id, name, labels } as ContainerStatus['record'], state: 'running', oomKilled: false };
}

test('inspect finds a container by id, name (with or without /) or unambiguous id prefix, and a service\'s replicas in order', (t) => {
  const labels = (service: string, number: number, oneoff = false): Record<string, string> => ({
    'com.docker.compose.project': 'p',
    'com.docker.compose.service': service,
    'com.docker.compose.container-number': String(number),
    'com.docker.compose.oneoff': oneoff ? 'True' : 'False',
  });
  const all = [status('abc123', 'p-web-2', labels('web', 2)), status('abd456', 'p-web-1', labels('web', 1)), status('ff0000', 'p-web-run-1', labels('web', 1, true))];
  t.is(containerByReference(all, 'abc123')?.record.name, 'p-web-2');
  t.is(containerByReference(all, '/p-web-1')?.record.id, 'abd456');
  t.is(containerByReference(all, 'abd'), undefined);
  t.is(containerByIdPrefix(all, 'abd')?.record.id, 'abd456');
  t.is(containerByIdPrefix(all, 'web'), undefined);
  t.throws(() => containerByIdPrefix(all, 'ab'), { message: /multiple containers have ids starting with ab/ });
  t.deepEqual(serviceContainers(all, 'p', 'web').map((entry) => entry.record.id), ['abd456', 'abc123']);
  t.deepEqual(serviceContainers(all, 'other', 'web'), []);
});

test('inspect takes a service before an id prefix, and reports what matched nothing', async (t) => {
  const db = status('db0001', 'p-db-1', { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'db', 'com.docker.compose.container-number': '1' });
  const other = status('dbee00', 'q-x-1');
  const project = async () => ({ name: 'p' });
  const resolved = await resolveTargets([db, other], ['db', 'dbe', 'q-x-1', 'nothing'], project);
  t.deepEqual(resolved.statuses.map((entry) => entry.record.name), ['p-db-1', 'q-x-1']);
  t.deepEqual(resolved.missing, ['nothing']);
  // Without a project, db can only be an id prefix: here an ambiguous one.
  await t.throwsAsync(resolveTargets([db, other], ['db'], async () => undefined), { message: /multiple containers have ids starting with db/ });
});

test('inspect templates: fields, json, index; missing fields and labels as Go prints them; anything else is refused', (t) => {
  const document = { Name: '/p-db-1', State: { Health: { Status: 'healthy' }, Pid: 42, Running: true }, Config: { Labels: { a: 'b' } }, Args: ['x'] };
  const render = (template: string): string => renderInspectTemplate(parseInspectTemplate(template), document);
  t.is(render('{{.Name}} {{ .State.Health.Status }} {{.State.Pid}} {{.State.Running}}'), '/p-db-1 healthy 42 true');
  t.is(render('{{json .Args}}|{{json .State.Health}}|{{.Args}}'), '["x"]|{"Status":"healthy"}|["x"]');
  t.is(render('{{index .Config.Labels "a"}}/{{index .Config.Labels "zz"}}'), 'b/');
  t.is(render('{{.Nope}} {{.State.Nope.Deeper}}'), '<no value> <no value>');
  t.is(render('plain text'), 'plain text');
  t.is(render('{{json .}}'), JSON.stringify(document));
  t.throws(() => parseInspectTemplate('{{range .Mounts}}{{end}}'), { instanceOf: UserError, message: /does not understand \{\{range \.Mounts\}\}/ });
  t.throws(() => parseInspectTemplate('{{.Name'), { message: /unclosed action/ });
});
