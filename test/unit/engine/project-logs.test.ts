import test from 'ava';
import { dockerState, publishersOf, type ProjectContainer } from '../../../src/engine/project-containers.js';
import { mergeByTime, type ProjectLogLine, windowLines } from '../../../src/engine/project-logs.js';

function lines(container: string, items: [bigint | undefined, string][]): ProjectLogLine[] {
  return items.map(([ns, text]) => ({ container: { name: container } as ProjectContainer, entry: { time: '', stream: 'stdout', text }, ns }));
}

const text = (list: readonly ProjectLogLine[]): string[] => list.map((line) => `${line.container.name}:${line.entry.text}`);

test('containers\' lines merge in time order; equal times keep the containers\' order', (t) => {
  const merged = mergeByTime([
    lines('a', [[1n, 'a1'], [5n, 'a5'], [9n, 'a9']]),
    lines('b', [[2n, 'b2'], [5n, 'b5'], [6n, 'b6']]),
  ]);
  t.deepEqual(text(merged), ['a:a1', 'b:b2', 'a:a5', 'b:b5', 'b:b6', 'a:a9']);
});

test('a line with an unreadable time stays after the line before it', (t) => {
  const merged = mergeByTime([lines('a', [[1n, 'a1'], [undefined, 'a?'], [7n, 'a7']]), lines('b', [[3n, 'b3']])]);
  t.deepEqual(text(merged), ['a:a1', 'a:a?', 'b:b3', 'a:a7']);
});

test('the tail is cut first, then since/until (inclusive) apply, as Docker does', (t) => {
  const all = lines('a', [[1n, '1'], [2n, '2'], [3n, '3'], [4n, '4'], [5n, '5']]);
  t.deepEqual(text(windowLines(all, { tail: 2 })), ['a:4', 'a:5']);
  t.deepEqual(text(windowLines(all, { tail: 0 })), []);
  t.deepEqual(text(windowLines(all, { sinceNs: 2n, untilNs: 4n })), ['a:2', 'a:3', 'a:4']);
  t.deepEqual(text(windowLines(all, { tail: 3, sinceNs: 4n })), ['a:4', 'a:5']);
});

test('runtime states become Docker\'s: a never-started container is created, a lost one exited with 255', (t) => {
  t.deepEqual(dockerState({ state: 'running', record: { startedAt: 'x' } }), { state: 'running', exitCode: 0 });
  t.deepEqual(dockerState({ state: 'exited', exitCode: 3, record: { startedAt: 'x' } }), { state: 'exited', exitCode: 3 });
  t.deepEqual(dockerState({ state: 'exited', exitCode: 137, record: {} }), { state: 'created', exitCode: 0 });
  t.deepEqual(dockerState({ state: 'unknown', record: { startedAt: 'x' } }), { state: 'exited', exitCode: 255 });
  t.deepEqual(dockerState({ state: 'paused', record: { startedAt: 'x' } }), { state: 'paused', exitCode: 0 });
});

test('publishers come from every network\'s port records, then exposed ports not published', (t) => {
  const id = 'c1';
  const port = (hostPort: number, containerPort: number, container = id) => ({ container, hostIp: '127.0.0.1', hostPort, protocol: 'tcp' as const, containerIp: '10.0.0.2', containerPort });
  const endpoint = (expose: string[]) => ({ container: id, address: '10.0.0.2', mac: '', ifname: 'eth0', hostIfname: 'v', netnsPath: '', expose });
  const publishers = publishersOf(id, [
    { ports: [port(18080, 8080), port(19090, 9090, 'other')], endpoints: { [id]: endpoint(['8080', '3000-3001', '53/udp', 'bad']) } },
    { ports: [port(18080, 8080)], endpoints: {} },
  ]);
  t.deepEqual(publishers, [
    { URL: '', TargetPort: 53, PublishedPort: 0, Protocol: 'udp' },
    { URL: '', TargetPort: 3000, PublishedPort: 0, Protocol: 'tcp' },
    { URL: '', TargetPort: 3001, PublishedPort: 0, Protocol: 'tcp' },
    { URL: '127.0.0.1', TargetPort: 8080, PublishedPort: 18080, Protocol: 'tcp' },
  ]);
});
