import test from 'ava';
import { UserError } from '../../../src/errors.js';
import { readDockerfile } from '../../../src/build/instruction-parser.js';
import type { Instruction } from '../../../src/build/instruction-types.js';
import { applyConfigInstruction, commandArgv, imageConfigOf, runEnvironment, stageLookup, type ExpansionScope, type StageState } from '../../../src/build/stage-state.js';

function start(overrides: Partial<StageState> = {}): StageState {
  return { key: 'k', config: { Env: ['PATH=/bin', 'HOME=/root'], Cmd: ['sh'] }, diffIds: [], layers: [], chainIds: [], history: [], args: new Map(), cmdSet: false, ...overrides };
}

function scope(buildArgs: Record<string, string> = {}, globals: Record<string, string> = {}): ExpansionScope {
  return { escape: '\\', buildArgs: new Map(Object.entries(buildArgs)), globalDefaults: new Map(Object.entries(globals)), usedArgs: new Set(), file: 'Dockerfile' };
}

/** The instructions of a one-stage Dockerfile after its FROM. */
function steps(text: string): Instruction[] {
  return readDockerfile(`FROM scratch\n${text}`).instructions.slice(1);
}

function apply(state: StageState, text: string, context = scope()): StageState {
  return steps(text).reduce((current, instruction) => applyConfigInstruction(current, instruction, context), state);
}

test('ENV values see the environment before the instruction, replace in place and keep the order', (t) => {
  const state = apply(start(), 'ENV HOME=/home/app A=$HOME\nENV PATH=/usr/bin:$PATH');
  t.deepEqual(state.config.Env, ['PATH=/usr/bin:/bin', 'HOME=/home/app', 'A=/root']);
});

test('ARG takes the build arg, else its default, else the global default; ENV wins over ARG in expansion', (t) => {
  const context = scope({ GIVEN: 'from-cli' }, { GLOBAL: 'from-global' });
  const state = apply(start(), 'ARG GIVEN=default\nARG DEFAULTED=d\nARG GLOBAL\nARG NOTHING\nENV DEFAULTED=env', context);
  t.is(state.args.get('GIVEN'), 'from-cli');
  t.is(state.args.get('GLOBAL'), 'from-global');
  t.true(state.args.has('NOTHING'));
  t.is(stageLookup(state)('DEFAULTED'), 'env');
  t.deepEqual([...context.usedArgs], ['GIVEN']);
  t.deepEqual(runEnvironment(state), ['PATH=/bin', 'HOME=/root', 'DEFAULTED=env', 'GIVEN=from-cli', 'GLOBAL=from-global']);
});

test('shell forms run through the SHELL in effect; ENTRYPOINT drops an inherited CMD but not one set in the stage', (t) => {
  const inherited = apply(start(), 'SHELL ["/bin/bash", "-c"]\nENTRYPOINT run $X');
  t.deepEqual(inherited.config.Entrypoint, ['/bin/bash', '-c', 'run $X']);
  t.is(inherited.config.Cmd, null);
  const own = apply(start(), 'CMD ["x"]\nENTRYPOINT ["/e"]');
  t.deepEqual(own.config.Cmd, ['x']);
  t.deepEqual(commandArgv(start(), { form: 'shell', command: 'echo hi' }), ['/bin/sh', '-c', 'echo hi']);
});

test('WORKDIR is relative to the previous one; EXPOSE ranges and VOLUME lists; HEALTHCHECK NONE', (t) => {
  const state = apply(start(), 'WORKDIR /a\nWORKDIR b/../c\nEXPOSE 8000-8001/udp 80\nVOLUME /v1 /v2\nHEALTHCHECK NONE');
  t.is(state.config.WorkingDir, '/a/c');
  t.deepEqual(Object.keys(state.config.ExposedPorts ?? {}), ['8000/udp', '8001/udp', '80/tcp']);
  t.deepEqual(Object.keys(state.config.Volumes ?? {}), ['/v1', '/v2']);
  t.deepEqual(state.config.Healthcheck, { Test: ['NONE'] });
});

test('bad values are errors at their line', (t) => {
  for (const [text, message] of [
    ['EXPOSE 99999', /EXPOSE: "99999" is not a port/],
    ['STOPSIGNAL SIGNOPE', /not a signal/],
    ['ENV A="${UNSET:?must be given}"', /UNSET: must be given/],
  ] as const) {
    const error = t.throws(() => apply(start(), `\n${text}`), { instanceOf: UserError });
    t.regex(error?.message ?? '', message);
    t.is(error?.position?.line, 3);
  }
});

test('the image config has a fixed key order and leaves out what is unset', (t) => {
  const state = apply(start({ diffIds: ['sha256:a'], created: '2024-01-01T00:00:00Z' }), 'LABEL a=b');
  t.deepEqual(Object.keys(imageConfigOf(state)), ['architecture', 'os', 'created', 'config', 'rootfs', 'history']);
  t.deepEqual(imageConfigOf(state).rootfs, { type: 'layers', diff_ids: ['sha256:a'] });
});
