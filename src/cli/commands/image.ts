// `berth image load|save|import|ls|rm|prune|inspect|check` and `berth images`: the local image store from the command line.
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { SystemError } from '../../errors.js';
import { saveImages } from '../../image/archive-export.js';
import { loadImages } from '../../image/archive-import.js';
import { checkImageStore, inspectImage } from '../../image/image-inspect.js';
import type { ImageRecord } from '../../image/image-store-interface.js';
import { type ImageStore, openImageStore } from '../../image/image-store.js';
import { familiarImageReference, parseImageReference } from '../../image/reference.js';
import { importRootfs, parseImportReference, parsePlatform } from '../../image/rootfs-import.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';

interface ListOptions {
  quiet?: boolean;
  digests?: boolean;
  noTrunc?: boolean;
  format: 'table' | 'json';
}

export function registerImageCommands(program: Command, context: CommandContext): void {
  const open = (): Promise<ImageStore> => openImageStore(statePathsFromEnv(context.env));
  const out = (text: string): void => context.stdout.write(text);
  // The registry commands add pull/push to the same `image` command, whichever registers first.
  const image = program.commands.find((command) => command.name() === 'image') ?? program.command('image').description('Manage images');

  image
    .command('load')
    .description('Load images from a docker-archive (docker save) or an OCI image layout, gzip-compressed or not')
    .requiredOption('-i, --input <file>', 'the archive file, or an OCI layout directory')
    .option('-q, --quiet', 'print nothing')
    .action(async (options: { input: string; quiet?: boolean }) => {
      const loaded = await loadImages(await open(), resolve(context.cwd, options.input));
      if (options.quiet) return;
      for (const { reference, record } of loaded) out(reference ? `Loaded image: ${reference}\n` : `Loaded image ID: ${record.id}\n`);
    });

  image
    .command('save')
    .description('Save images to a docker-archive that docker load and skopeo read')
    .requiredOption('-o, --output <file>', 'write to this file')
    .argument('<images...>', 'names or IDs of the images')
    .action(async (names: string[], options: { output: string }) => {
      await saveImages(await open(), resolve(context.cwd, options.output), names);
    });

  image
    .command('import')
    .description('Make a one-layer image from a root filesystem: a tar (gzip or not), a directory, or - for standard input')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL, VOLUME)', collect, [])
    .option('-m, --message <message>', 'history comment of the image')
    .option('--platform <os/arch>', 'platform of the image (default linux/amd64)')
    .argument('<source>', 'tar file, directory, or -')
    .argument('[reference]', 'REPOSITORY[:TAG] to name the image')
    .action(async (source: string, reference: string | undefined, options: { change: string[]; message?: string; platform?: string }) => {
      const record = await importRootfs(await open(), source === '-' ? process.stdin : resolve(context.cwd, source), {
        changes: options.change,
        ...(reference === undefined ? {} : { reference: parseImportReference(reference) }),
        ...(options.message === undefined ? {} : { message: options.message }),
        ...(options.platform === undefined ? {} : { platform: parsePlatform(options.platform) }),
      });
      out(`${record.id}\n`);
    });

  const list = async (options: ListOptions): Promise<void> => {
    const store = await open();
    const images = await store.list();
    if (options.quiet) {
      out([...new Set(images.map((record) => shortId(record.id, options.noTrunc)))].map((id) => `${id}\n`).join(''));
      return;
    }
    const rows = await Promise.all(images.map((record) => listRows(store, record)));
    if (options.format === 'json') {
      out(rows.flat().map((row) => `${JSON.stringify(row)}\n`).join(''));
      return;
    }
    const header = ['REPOSITORY', 'TAG', ...(options.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
    const table = rows.flat().map((row) => [
      row.Repository,
      row.Tag,
      ...(options.digests ? [row.Digest] : []),
      shortId(row.ID, options.noTrunc),
      row.CreatedSince,
      row.Size,
    ]);
    out(formatTable([header, ...table]));
  };
  const addListOptions = (command: Command): Command =>
    command
      .option('-q, --quiet', 'only print image IDs')
      .option('--digests', 'show digests')
      .option('--no-trunc', 'do not shorten image IDs')
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'));
  addListOptions(image.command('ls').alias('list').description('List images')).action(list);
  addListOptions(program.command('images').description('List images in the local store')).action(list);

  image
    .command('rm')
    .alias('remove')
    .description('Remove images (a name that is not the last of its image only untags)')
    .option('-f, --force', 'remove even when a container uses it (its references only) or it has several names')
    .argument('<images...>', 'names or IDs of the images')
    .action(async (names: string[], options: { force?: boolean }) => {
      const store = await open();
      const failures: Error[] = [];
      for (const name of names) {
        try {
          const { untagged, deleted } = await store.remove(name, { force: options.force ?? false });
          for (const reference of untagged) out(`Untagged: ${familiar(reference)}\n`);
          for (const digest of deleted) out(`Deleted: ${digest}\n`);
        } catch (error) {
          failures.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
      // Like docker: remove what can be removed, then fail naming what could not.
      const [first] = failures;
      if (first) throw first;
    });

  image
    .command('prune')
    .description('Remove images without names (all unused images with -a), then unused blobs and layers')
    .option('-a, --all', 'remove every image no container uses')
    .option('-f, --force', 'do not ask (berth never asks; accepted for docker compatibility)')
    .action(async (options: { all?: boolean }) => {
      const { deletedImages, reclaimedBytes } = await (await open()).prune({ all: options.all ?? false });
      for (const digest of deletedImages) out(`Deleted: ${digest}\n`);
      out(`Total reclaimed space: ${formatSize(reclaimedBytes)}\n`);
    });

  image
    .command('inspect')
    .description('Show images as JSON (config, layers, digests), with the field names of docker image inspect')
    .argument('<images...>', 'names or IDs of the images')
    .action(async (names: string[]) => {
      const store = await open();
      const results = [];
      for (const name of names) results.push(await inspectImage(store, await store.get(name)));
      out(`${JSON.stringify(results, null, 4)}\n`);
    });

  image
    .command('check')
    .description('Verify every blob digest, layer directory, index entry and reference of the store')
    .action(async () => {
      const { problems, checked } = await checkImageStore(await open());
      for (const problem of problems) out(`${problem}\n`);
      const summary = `${checked.blobs} blobs, ${checked.layers} layers, ${checked.images} images, ${checked.references} references checked`;
      if (problems.length > 0) throw new SystemError(`${problems.length} problems found (${summary})`, 'image check');
      out(`ok: ${summary}\n`);
    });
}

interface ListRow {
  Repository: string;
  Tag: string;
  Digest: string;
  ID: string;
  CreatedAt: string;
  CreatedSince: string;
  Size: string;
}

async function listRows(store: ImageStore, record: ImageRecord): Promise<ListRow[]> {
  const sizes = await Promise.all(record.chainIds.map(async (chainId) => (await store.layers.record(chainId))?.size ?? 0));
  const common = {
    Digest: record.repoDigests[0]?.slice(record.repoDigests[0].indexOf('@') + 1) ?? '<none>',
    ID: record.id,
    CreatedAt: record.created ?? '',
    CreatedSince: record.created ? since(new Date(record.created)) : 'N/A',
    Size: formatSize(sizes.reduce((sum, size) => sum + size, 0)),
  };
  const tagged = record.references.filter((reference) => !reference.includes('@'));
  if (tagged.length === 0) return [{ Repository: '<none>', Tag: '<none>', ...common }];
  return tagged.map((reference) => {
    const text = familiar(reference);
    const colon = text.lastIndexOf(':');
    return { Repository: text.slice(0, colon), Tag: text.slice(colon + 1), ...common };
  });
}

function familiar(reference: string): string {
  return familiarImageReference(parseImageReference(reference));
}

function shortId(id: string, noTrunc = false): string {
  return noTrunc ? id : id.replace(/^sha256:/, '').slice(0, 12);
}

/** Docker's units: decimal, three significant digits (4.27MB). */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))}${units[unit]}`;
}

/** "3 days ago", as docker images prints it. */
export function since(date: Date, now = new Date()): string {
  const seconds = Math.max(0, (now.getTime() - date.getTime()) / 1000);
  const steps: [number, string][] = [
    [60 * 60 * 24 * 365, 'year'],
    [60 * 60 * 24 * 30, 'month'],
    [60 * 60 * 24 * 7, 'week'],
    [60 * 60 * 24, 'day'],
    [60 * 60, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count} ${name}${count === 1 ? '' : 's'} ago`;
  }
  return 'Less than a minute ago';
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => `${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 3))).join('')}\n`).join('');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
