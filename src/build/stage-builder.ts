// One build stage, step by step: its base, config steps, RUN/COPY/ADD/WORKDIR on snapshots, each looked up in the cache first.
import { mkdir, rm } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { resolveContainerUser } from '../runtime/container-user.js';
import type { ImageRecord } from '../image/image-store-interface.js';
import { keyAfterStep, stepKey, type CacheRecord } from './build-cache.js';
import { type BuildSession, checkCancelled, resolveImage } from './build-session.js';
import { planCopy, type ResolvedCopySource } from './copy-step.js';
import type { RawInstruction } from './dockerfile-parser.js';
import { parseInstruction } from './instruction-parser.js';
import type { CopyInstruction, Instruction, RunInstruction } from './instruction-types.js';
import { commitSnapshot, nextChainId } from './layer-diff.js';
import { discardSnapshot, mountSnapshot, withSnapshot } from './layer-snapshot.js';
import { type BindMountSpec, parseRunMount, prepareRunMounts } from './run-mounts.js';
import { SourceTree } from './source-tree.js';
import { SCRIPT_PATH, runInRootfs } from './run-command.js';
import { ensureDirectory, readRootFile } from './rootfs-writer.js';
import type { CopySource, Stage, StageGraph } from './stage-graph.js';
import { applyConfigInstruction, atLine, atLineAsync, commandArgv, expandIn, isConfigInstruction, runEnvironment, type StageState } from './stage-state.js';

/** The finished state of an earlier stage (built once, awaited by every stage that needs it). */
export type StageLookup = (index: number) => Promise<StageState>;

/** Build `stage` to its final state. Steps run in order; a cached step reuses its layer without running. */
export async function buildStage(session: BuildSession, graph: StageGraph, stage: Stage, finished: StageLookup): Promise<StageState> {
  const label = stage.name ?? `stage-${stage.index}`;
  const started = Date.now();
  const { state: base, triggers } = await baseState(session, stage, finished);
  const steps: Instruction[] = [...triggers, ...stage.instructions];
  const total = steps.length + 1;
  session.report({ kind: 'step', stage: label, step: 1, steps: total, instruction: stage.from.original, status: 'done', durationMs: Date.now() - started });
  let state = base;
  for (const [position, instruction] of steps.entries()) {
    checkCancelled(session);
    const step = position + 2;
    const begin = Date.now();
    session.report({ kind: 'step', stage: label, step, steps: total, instruction: instruction.original, status: 'running' });
    try {
      const copySource = position >= triggers.length ? stage.copySources.get(position - triggers.length) : undefined;
      const current = state;
      // Any user mistake found while the step runs (an unknown USER, say) is placed at its line.
      const { next, cached } = await atLineAsync(session.scope, instruction.line, () => runStep(session, current, instruction, { label, step, copySource, graph, finished }));
      state = next;
      session.report({ kind: 'step', stage: label, step, steps: total, instruction: instruction.original, status: cached ? 'cached' : 'done', durationMs: Date.now() - begin });
    } catch (error) {
      session.report({ kind: 'step', stage: label, step, steps: total, instruction: instruction.original, status: 'failed', durationMs: Date.now() - begin });
      throw error;
    }
  }
  return state;
}

interface StepContext {
  label: string;
  step: number;
  copySource: CopySource | undefined;
  graph: StageGraph;
  finished: StageLookup;
}

async function runStep(session: BuildSession, state: StageState, instruction: Instruction, context: StepContext): Promise<{ next: StageState; cached: boolean }> {
  const { scope } = session;
  if (isConfigInstruction(instruction)) {
    const next = applyConfigInstruction(state, instruction, scope);
    const key = stepKey(state.key, `${instruction.original}\n${JSON.stringify(next.config)}\n${JSON.stringify([...next.args])}\n${next.author ?? ''}`);
    const record = session.noCache ? undefined : await session.cache.lookup(key);
    const created = record?.created ?? new Date().toISOString();
    if (!record) await session.cache.save(key, { created });
    return { next: { ...next, key: keyAfterStep(key, undefined), created, history: [...next.history, { created, created_by: instruction.original, empty_layer: true }] }, cached: record !== undefined };
  }
  switch (instruction.kind) {
    case 'WORKDIR': {
      const next = applyConfigInstruction(state, instruction, scope);
      const dir = next.config.WorkingDir ?? '/';
      // As BuildKit: the directories WORKDIR makes belong to the USER in effect.
      return filesystemStep(session, next, instruction, `${instruction.original}\n${dir}\n${next.config.User ?? ''}`, async (rootfs) => {
        await ensureDirectory(rootfs, dir, { owner: await userOwner(rootfs, next.config.User), mode: 0o755 });
      });
    }
    case 'RUN':
      return runCommandStep(session, state, instruction, context);
    case 'COPY':
    case 'ADD': {
      const from = await copySourceOf(session, state, instruction, context);
      const plan = await planCopy(session, state, instruction, from);
      return filesystemStep(session, state, instruction, plan.descriptor, (rootfs) => plan.execute(rootfs));
    }
    default:
      throw new UserError(`${instruction.kind} cannot appear inside a stage here`, { position: { file: scope.file, line: instruction.line, col: 1 } });
  }
}

async function runCommandStep(session: BuildSession, state: StageState, instruction: RunInstruction, context: StepContext): Promise<{ next: StageState; cached: boolean }> {
  const { scope } = session;
  const mounts = instruction.mounts.map((text) => atLine(scope, instruction.line, () => parseRunMount(expandIn(state, scope, text, instruction.line))));
  const { argv, script } = runArgv(state, instruction);
  const env = runEnvironment(state);
  const user = state.config.User;
  const workdir = state.config.WorkingDir || '/';
  const network = instruction.network === 'host' ? 'host' : instruction.network === 'none' ? 'none' : session.network;
  const withBindTree = bindTreeProvider(session, context);
  // What a bind mount shows is part of the key; a cache mount's content is not (that is its point).
  const bindKeys = await Promise.all(mounts.map((mount) => (mount.type === 'bind' ? withBindTree(mount, (tree) => bindKey(tree, mount)) : Promise.resolve(''))));
  const descriptor = JSON.stringify({ instruction: instruction.original, argv, script, env, user, workdir, network, mounts, bindKeys });
  return filesystemStep(session, state, instruction, descriptor, async (rootfs) => {
    const scratch = session.store.blobs.tempPath('mounts');
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    const prepared = await prepareRunMounts(mounts, session.paths, scratch, withBindTree, session.secrets).catch(async (error: unknown) => {
      await rm(scratch, { recursive: true, force: true });
      throw error;
    });
    try {
      const result = await runInRootfs(session.runtime, {
        rootfs,
        argv,
        env,
        user,
        workdir,
        network,
        script,
        mounts: prepared.mounts,
        shmSize: session.shmSize,
        onOutput: (line, stream) => session.report({ kind: 'output', stage: context.label, step: context.step, stream, line }),
      });
      if (result.exitCode !== 0) {
        const tail = result.tail.length > 0 ? `; its last output:\n${result.tail.map((line) => `    ${line}`).join('\n')}` : '';
        throw new UserError(`${instruction.original}: the command returned a non-zero code: ${result.exitCode}${tail}`, {
          position: { file: scope.file, line: instruction.line, col: 1 },
        });
      }
    } finally {
      await prepared.release();
      await rm(scratch, { recursive: true, force: true });
    }
  });
}

/** The tree a bind mount reads: the context, a named context, an earlier stage or an image (mounted while `work` runs). */
function bindTreeProvider(session: BuildSession, context: StepContext) {
  return async <T>(spec: BindMountSpec, work: (tree: SourceTree) => Promise<T>): Promise<T> => {
    if (spec.from === undefined) return work(session.context);
    const named = session.namedContexts.get(spec.from);
    if (named?.kind === 'directory') return work(named.tree);
    const stage = /^\d+$/.test(spec.from) ? context.graph.stages[Number(spec.from)] : context.graph.stages.find((candidate) => candidate.name === spec.from?.toLowerCase());
    const chainIds = stage ? (await context.finished(stage.index)).chainIds : (await resolveImage(session, spec.from, 0)).chainIds;
    return withSnapshot(session.store, chainIds, (snapshot) => work(new SourceTree(snapshot.merged, { escape: 'clamp', label: `--mount from=${spec.from ?? ''}` })));
  };
}

async function bindKey(tree: SourceTree, spec: BindMountSpec): Promise<string> {
  const entries = await tree.match(spec.source);
  return (await Promise.all(entries.map(async (entry) => `${entry.relative}=${await tree.contentDigest(entry)}`))).join(',');
}

/**
 * A RUN as argv. A heredoc that is the whole command is the script (run directly when it starts with
 * `#!`, else by the shell); other heredocs go to the shell with the command line, which reads them.
 */
function runArgv(state: StageState, instruction: RunInstruction): { argv: string[]; script?: string } {
  const { command, heredocs } = instruction;
  if (command.form === 'exec' || heredocs.length === 0) return { argv: commandArgv(state, command) };
  const [only] = heredocs;
  if (heredocs.length === 1 && only && new RegExp(`^<<-?(["']?)${escapeRegex(only.name)}\\1$`).test(command.command.trim())) {
    if (only.content.startsWith('#!')) return { argv: [SCRIPT_PATH], script: only.content };
    return { argv: commandArgv(state, { form: 'shell', command: only.content }) };
  }
  const script = `${command.command}\n${heredocs.map((heredoc) => `${heredoc.content}${heredoc.name}\n`).join('')}`;
  return { argv: commandArgv(state, { form: 'shell', command: script }) };
}

/** Where a COPY --from reads: the stage the graph resolved, or an image named (possibly through variables). */
async function copySourceOf(session: BuildSession, state: StageState, instruction: CopyInstruction, context: StepContext): Promise<ResolvedCopySource | undefined> {
  if (instruction.from === undefined) return undefined;
  const planned = context.copySource;
  if (planned?.kind === 'stage') {
    const source = context.graph.stages[planned.index];
    return { kind: 'stage', label: source?.name ?? `stage-${planned.index}`, state: await context.finished(planned.index) };
  }
  const reference = planned?.kind === 'image' ? planned.reference : expandIn(state, session.scope, instruction.from, instruction.line);
  const named = session.namedContexts.get(reference);
  if (named?.kind === 'directory') return { kind: 'context', name: reference, tree: named.tree };
  return { kind: 'image', image: await resolveImage(session, reference, instruction.line) };
}

/**
 * A step that changes files: looked up by key first; on a miss `work` runs on a fresh snapshot of the
 * stage and what it changed becomes the step's layer (none when nothing changed).
 */
async function filesystemStep(
  session: BuildSession,
  state: StageState,
  instruction: Instruction,
  descriptor: string,
  work: (rootfs: string) => Promise<void>,
): Promise<{ next: StageState; cached: boolean }> {
  const key = stepKey(state.key, descriptor);
  let record: CacheRecord | undefined = session.noCache ? undefined : await session.cache.lookup(key);
  const cached = record !== undefined;
  if (!record) {
    const snapshot = await mountSnapshot(session.store, state.chainIds);
    try {
      await work(snapshot.merged);
    } catch (error) {
      await discardSnapshot(snapshot).catch(() => undefined);
      throw error;
    }
    const layer = await commitSnapshot(session.store, snapshot);
    record = {
      created: new Date().toISOString(),
      ...(layer ? { layer: { diffId: layer.diffId, descriptor: layer.descriptor, chainId: nextChainId(state.chainIds.at(-1), layer.diffId) } } : {}),
    };
    await session.cache.save(key, record);
  }
  const { layer, created } = record;
  const next: StageState = {
    ...state,
    key: keyAfterStep(key, layer?.diffId),
    created,
    diffIds: layer ? [...state.diffIds, layer.diffId] : state.diffIds,
    layers: layer ? [...state.layers, layer.descriptor] : state.layers,
    chainIds: layer ? [...state.chainIds, layer.chainId] : state.chainIds,
    history: [...state.history, { created, created_by: instruction.original, ...(layer ? {} : { empty_layer: true }) }],
  };
  return { next, cached };
}

/** The state a stage starts from, and the ONBUILD triggers of its base image to run first. */
async function baseState(session: BuildSession, stage: Stage, finished: StageLookup): Promise<{ state: StageState; triggers: Instruction[] }> {
  const { scope } = session;
  if (stage.platform !== undefined && stage.platform !== 'linux/amd64') {
    throw new UserError(`FROM --platform=${stage.platform}: berth builds linux/amd64 images only`, { position: { file: scope.file, line: stage.from.line, col: 1 } });
  }
  const fresh = { args: new Map<string, string | undefined>(), cmdSet: false };
  let state: StageState;
  if (stage.base.kind === 'scratch') {
    state = { key: stepKey('', 'FROM scratch'), config: {}, diffIds: [], layers: [], chainIds: [], history: [], ...fresh };
  } else if (stage.base.kind === 'stage') {
    const parent = await finished(stage.base.index);
    state = { ...parent, ...fresh, key: stepKey(parent.key, 'FROM stage') };
  } else {
    state = { ...stateOfImage(await resolveImage(session, stage.base.reference, stage.from.line)), ...fresh };
  }
  const triggerTexts = state.config.OnBuild ?? [];
  if (triggerTexts.length === 0) return { state, triggers: [] };
  // Triggers run in the child, which does not inherit them.
  const config = { ...state.config };
  delete config.OnBuild;
  const triggers = triggerTexts.map((text) =>
    atLine(scope, stage.from.line, () => {
      const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
      const raw: RawInstruction = { keyword: (match?.[1] ?? '').toUpperCase(), args: match?.[2] ?? '', original: text.trim(), line: stage.from.line, endLine: stage.from.line, heredocs: [] };
      return parseInstruction(raw, scope.file, scope.escape);
    }),
  );
  return { state: { ...state, config }, triggers };
}

function stateOfImage(image: ImageRecord): Omit<StageState, 'args' | 'cmdSet'> {
  return {
    key: stepKey('', `FROM ${image.id}`),
    config: structuredClone(image.config.config ?? {}),
    author: image.config.author,
    diffIds: [...image.config.rootfs.diff_ids],
    layers: [...image.manifest.layers],
    chainIds: [...image.chainIds],
    history: [...(image.config.history ?? [])],
    created: image.config.created,
  };
}

/** The uid and primary gid of a USER value, read from the root's /etc/passwd and /etc/group. */
async function userOwner(rootfs: string, user: string | undefined): Promise<{ uid: number; gid: number }> {
  if (user === undefined || user === '') return { uid: 0, gid: 0 };
  const resolved = resolveContainerUser(user, undefined, await readRootFile(rootfs, 'etc/passwd'), await readRootFile(rootfs, 'etc/group'));
  return { uid: resolved.uid, gid: resolved.gid };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
