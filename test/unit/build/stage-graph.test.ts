import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { readDockerfile } from '../../../src/build/instruction-parser.js';
import { planStages } from '../../../src/build/stage-graph.js';

const MULTI = `ARG BASE=busybox
ARG TAG
FROM \${BASE}:\${TAG:-latest} AS deps
RUN echo deps
FROM deps AS build
COPY --from=toolbox /bin/x /x
FROM busybox AS tools
FROM scratch AS unused
FROM busybox AS test
COPY --from=build /x /x
COPY --from=0 /y /y
FROM scratch
COPY --from=build /x /x
COPY --from=registry.local/other:1 /z /z
`;

test('stages: bases are earlier stages, images or scratch; global ARGs and build args expand FROM', (t) => {
  const used = new Set<string>();
  const graph = planStages(readDockerfile(MULTI), new Map([['TAG', '1.36'], ['UNUSED', 'x']]), undefined, used);
  t.deepEqual(graph.stages.map((stage) => stage.base), [
    { kind: 'image', reference: 'busybox:1.36' },
    { kind: 'stage', index: 0 },
    { kind: 'image', reference: 'busybox' },
    { kind: 'scratch' },
    { kind: 'image', reference: 'busybox' },
    { kind: 'scratch' },
  ]);
  t.deepEqual([...used], ['TAG']);
  t.is(graph.globalValues.get('BASE'), 'busybox');
  t.is(graph.globalValues.get('TARGETARCH'), 'amd64');
});

test('a COPY --from that names no stage is an image reference; --from names and numbers find earlier stages', (t) => {
  const graph = planStages(readDockerfile(MULTI), new Map());
  t.deepEqual([...(graph.stages[1]?.copySources.values() ?? [])], [{ kind: 'image', reference: 'toolbox' }]);
  t.deepEqual([...(graph.stages[4]?.copySources.values() ?? [])], [{ kind: 'stage', index: 1 }, { kind: 'stage', index: 0 }]);
  t.deepEqual([...(graph.stages[5]?.copySources.values() ?? [])], [{ kind: 'stage', index: 1 }, { kind: 'image', reference: 'registry.local/other:1' }]);
});

test('the target needs only the stages it depends on, dependencies first', (t) => {
  t.deepEqual(planStages(readDockerfile(MULTI), new Map()).needed, [0, 1, 5]);
  t.deepEqual(planStages(readDockerfile(MULTI), new Map(), 'TEST').needed, [0, 1, 4]);
  t.deepEqual(planStages(readDockerfile(MULTI), new Map(), 'tools').needed, [2]);
});

test('an unknown target, a duplicate stage name and a --from of the current stage are errors', (t) => {
  t.throws(() => planStages(readDockerfile(MULTI), new Map(), 'nope'), { instanceOf: UserError, message: /target stage "nope" could not be found/ });
  const duplicate = t.throws(() => planStages(readDockerfile('FROM a AS x\nFROM b AS x\n'), new Map()), { instanceOf: UserError });
  t.is(duplicate?.position?.line, 2);
  t.throws(() => planStages(readDockerfile('FROM a AS x\nCOPY --from=x /a /b\n'), new Map()), { message: /current or a later build stage/ });
  t.throws(() => planStages(readDockerfile('FROM a\nCOPY --from=later /a /b\nFROM b AS later\n'), new Map()), { message: /current or a later build stage/ });
  t.throws(() => planStages(readDockerfile('FROM a\nCOPY --from=1 /a /b\nFROM b\n'), new Map()), { message: /current or a later build stage/ });
});

test('a FROM that expands to nothing is an error naming its line', (t) => {
  const error = t.throws(() => planStages(readDockerfile('ARG IMAGE\nFROM $IMAGE\n'), new Map()), { instanceOf: UserError });
  t.is(error?.position?.line, 2);
});
