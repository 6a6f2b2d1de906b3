// COPY/ADD as a build step: sources resolved and hashed first (the cache key needs them), copied on a cache miss.
import { UserError } from '../errors.js';
import type { ImageRecord } from '../image/image-store-interface.js';
import type { BuildSession } from './build-session.js';
import { copyIntoRootfs, type CopyItem, type InlineFile } from './copy-files.js';
import type { CopyInstruction } from './instruction-types.js';
import { withSnapshot } from './layer-snapshot.js';
import { resolveChown } from './rootfs-writer.js';
import { IgnoreMatcher, parseDockerignore } from './dockerignore.js';
import { cleanRelative } from './scoped-path.js';
import { type SourceEntry, SourceTree } from './source-tree.js';
import { atLine, atLineAsync, expandIn, stageLookup, type StageState } from './stage-state.js';
import { expandWord } from './word-expansion.js';

/** Where `COPY --from` reads: a finished stage's layers or an image's. */
export type ResolvedCopySource =
  | { kind: 'stage'; label: string; state: StageState }
  | { kind: 'image'; image: ImageRecord }
  | { kind: 'context'; name: string; tree: SourceTree };

/** A COPY/ADD ready to run: its part of the cache key, and the work to do on a root filesystem. */
export interface CopyPlan {
  descriptor: string;
  execute(rootfs: string): Promise<void>;
}

const REMOTE = /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)/i;

export async function planCopy(session: BuildSession, state: StageState, instruction: CopyInstruction, from: ResolvedCopySource | undefined): Promise<CopyPlan> {
  const { scope } = session;
  const expand = (text: string): string => expandIn(state, scope, text, instruction.line);
  const at = (message: string, hint?: string): UserError => new UserError(message, { position: { file: scope.file, line: instruction.line, col: 1 }, hint });
  const heredocs = new Map(instruction.heredocs.map((heredoc) => [heredoc.name, heredoc]));
  const inline: InlineFile[] = [];
  const paths: string[] = [];
  for (const raw of instruction.sources) {
    const marker = /^\d*<<-?["']?([^"']+)["']?$/.exec(raw);
    const heredoc = marker ? heredocs.get(marker[1] ?? '') : undefined;
    if (heredoc) {
      const content = heredoc.expand ? atLine(scope, instruction.line, () => expandWord(heredoc.content, stageLookup(state), { escape: scope.escape })) : heredoc.content;
      inline.push({ name: heredoc.name, content });
      continue;
    }
    const source = expand(raw);
    if (REMOTE.test(source)) {
      throw instruction.kind === 'ADD'
        ? at(`ADD ${source}: remote sources are not fetched: this build runs offline`, 'download the file into the build context and ADD or COPY it from there')
        : at(`COPY cannot fetch ${source}: COPY only copies local files`, 'download the file into the build context first');
    }
    paths.push(source);
  }
  const destText = expand(instruction.dest);
  if (destText === '') throw at(`${instruction.kind} has an empty destination`);
  const dest = destText.startsWith('/') ? destText : `${state.config.WorkingDir || '/'}/${destText}`.replace(/\/+/g, '/');
  const chmod = instruction.chmod === undefined ? undefined : expand(instruction.chmod);
  if (chmod !== undefined && !/^[0-7]{3,4}$/.test(chmod)) throw at(`invalid --chmod=${chmod}: expected an octal mode such as 755 or 0644`);
  const chown = instruction.chown === undefined ? undefined : expand(instruction.chown);
  const excludes = instruction.excludes.map(expand);
  const exclude = excludes.length > 0 ? atLine(scope, instruction.line, () => new IgnoreMatcher(parseDockerignore(excludes.join('\n')))) : undefined;
  if (instruction.checksum !== undefined) throw at('ADD --checksum only applies to remote sources, which an offline build cannot fetch');
  const run = async (rootfs: string, items: CopyItem[]): Promise<void> =>
    atLineAsync(scope, instruction.line, async () => {
      await copyIntoRootfs(items, inline, {
        rootfs,
        dest,
        owner: chown === undefined ? undefined : await resolveChown(rootfs, chown),
        keepSourceOwners: from !== undefined && from.kind !== 'context',
        mode: chmod === undefined ? undefined : Number.parseInt(chmod, 8),
        extractArchives: instruction.kind === 'ADD' && from === undefined,
        what: instruction.original,
        exclude,
      });
    });
  const settings = JSON.stringify({ instruction: instruction.original, dest, chown, chmod, inline, excludes, parents: instruction.parents });
  /** `--parents`: what of a matched path is kept; a `/./` in the source marks where that starts. */
  const keepPathOf = (source: string, entry: SourceEntry): string | undefined => {
    if (!instruction.parents) return undefined;
    const pivot = source.replace(/^\/+/, '').indexOf('/./');
    return pivot < 0 ? entry.relative : entry.relative.split('/').slice(cleanRelative(source.slice(0, pivot + 1))?.split('/').filter(Boolean).length ?? 0).join('/');
  };
  if (from === undefined || from.kind === 'context') {
    const tree = from?.tree ?? session.context;
    const items: CopyItem[] = [];
    const digests: string[] = [from === undefined ? 'context' : `context ${from.name}`];
    for (const source of paths) {
      const entries = await atLineAsync(scope, instruction.line, () => tree.match(source));
      for (const entry of entries) {
        items.push({ tree, entry, keepPath: keepPathOf(source, entry) });
        digests.push(`${entry.relative}=${await tree.contentDigest(entry)}`);
      }
    }
    return { descriptor: `${settings}\n${digests.join('\n')}`, execute: (rootfs) => run(rootfs, items) };
  }
  const chainIds = from.kind === 'stage' ? from.state.chainIds : from.image.chainIds;
  const sourceKey = from.kind === 'stage' ? from.state.key : from.image.id;
  const label = from.kind === 'stage' ? `stage ${from.label}` : `image ${from.image.references[0] ?? from.image.id}`;
  return {
    descriptor: `${settings}\nfrom ${sourceKey}\n${paths.join('\n')}`,
    execute: (rootfs) =>
      withSnapshot(session.store, chainIds, async (snapshot) => {
        const tree = new SourceTree(snapshot.merged, { escape: 'clamp', label });
        const items: CopyItem[] = [];
        for (const source of paths) {
          for (const entry of await atLineAsync(scope, instruction.line, () => tree.match(source))) items.push({ tree, entry, keepPath: keepPathOf(source, entry) });
        }
        await run(rootfs, items);
      }),
  };
}
