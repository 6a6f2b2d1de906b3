// `berth volume create|ls|inspect|rm|prune`: berth's named volumes (local driver), as `docker volume` has them.
import path from 'node:path';
import { type Command, Option } from 'commander';
import { UserError } from '../../errors.js';
import { ContainerRuntime } from '../../runtime/container-runtime.js';
import { statePathsFromEnv, type StatePaths } from '../../state/paths.js';
import { type VolumeRecord, VolumeStore } from '../../volume/volume-store.js';
import type { CommandContext } from '../command-context.js';
import { matchesLabelFilters, parseLabelFilters, plainTable } from '../label-filters.js';
import { removeEach } from '../remove-each.js';

/** Docker's `volume inspect` shape. */
function inspectView(record: VolumeRecord): Record<string, unknown> {
  return { CreatedAt: record.created, Driver: record.driver, Labels: record.labels, Mountpoint: record.mountpoint, Name: record.name, Options: record.options, Scope: 'local' };
}

/** Names of the volumes some container (running or not) mounts: those cannot be removed. */
async function volumesInUse(paths: StatePaths, store: VolumeStore): Promise<Set<string>> {
  const inUse = new Set<string>();
  for (const status of await new ContainerRuntime(paths).list()) {
    for (const mount of status.record.mounts) {
      const [name, data, ...rest] = path.relative(store.dir, mount.source).split(path.sep);
      if (name && data === '_data' && rest.length === 0 && !name.startsWith('..')) inUse.add(name);
    }
  }
  return inUse;
}

export function registerVolumeCommands(program: Command, context: CommandContext): void {
  const open = (): { paths: StatePaths; store: VolumeStore } => {
    const paths = statePathsFromEnv(context.env);
    return { paths, store: new VolumeStore(paths) };
  };
  const volume = program.command('volume').description('Manage named volumes').addHelpText(
    'after',
    `
Examples:
  berth volume ls                      every named volume
  berth volume inspect myapp_data      where its data is, its labels
  berth volume rm myapp_data           remove one no container uses
  berth volume prune                   remove every volume no container uses`,
  );

  volume
    .command('create')
    .description('Create a named volume')
    .argument('<name>', 'the volume name')
    .option('--label <label>', 'a label, key=value (repeat for more)', (label: string, labels: string[]) => [...labels, label], [])
    .action(async (name: string, options: { label?: string[] }) => {
      const labels = Object.fromEntries((options.label ?? []).map((label) => [label.split('=')[0] ?? label, label.includes('=') ? label.slice(label.indexOf('=') + 1) : '']));
      await open().store.create(name, { labels });
      context.stdout.write(`${name}\n`);
    });

  volume
    .command('ls')
    .alias('list')
    .description('List named volumes')
    .option('-q, --quiet', 'print only volume names')
    .option('--filter <filter...>', 'only volumes with this label (label=key or label=key=value)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options: { quiet?: boolean; filter?: string[]; format: 'table' | 'json' }) => {
      const wanted = parseLabelFilters(options.filter ?? []);
      const records = (await open().store.list()).filter((record) => matchesLabelFilters(record.labels, wanted));
      if (options.quiet) context.stdout.write(records.map((record) => `${record.name}\n`).join(''));
      else if (options.format === 'json') context.stdout.write(records.map((record) => `${JSON.stringify({ Driver: record.driver, Labels: record.labels, Mountpoint: record.mountpoint, Name: record.name, Scope: 'local' })}\n`).join(''));
      else context.stdout.write(plainTable([['DRIVER', 'VOLUME NAME'], ...records.map((record) => [record.driver, record.name])]));
    });

  volume
    .command('inspect')
    .description('Show volumes in detail (JSON)')
    .argument('<volume...>', 'volume names')
    .action(async (names: string[]) => {
      const { store } = open();
      const records = await Promise.all(names.map(async (name) => (await store.inspect(name)) ?? noSuchVolume(name)));
      context.stdout.write(`${JSON.stringify(records.map(inspectView), null, 4)}\n`);
    });

  volume
    .command('rm')
    .alias('remove')
    .description('Remove volumes that no container uses')
    .argument('<volume...>', 'volume names')
    .option('-f, --force', 'no error for a volume that does not exist')
    .action(async (names: string[], options: { force?: boolean }) => {
      const { paths, store } = open();
      const inUse = await volumesInUse(paths, store);
      await removeEach(
        names,
        async (name) => {
          if (!options.force && !(await store.inspect(name))) noSuchVolume(name);
          await store.remove(name, inUse, { force: options.force === true });
        },
        context.stdout,
      );
    });

  volume
    .command('prune')
    .description('Remove every volume that no container uses')
    .option('-f, --force', 'do not ask for confirmation (berth never asks: accepted for docker compatibility)')
    .option('-a, --all', 'accepted for docker compatibility: berth prunes every unused volume, named or not')
    .option('--filter <filter...>', 'only volumes with this label (label=key or label=key=value)')
    .action(async (options: { filter?: string[] }) => {
      const { paths, store } = open();
      const wanted = parseLabelFilters(options.filter ?? []);
      const inUse = await volumesInUse(paths, store);
      const removed: string[] = [];
      for (const record of await store.list()) {
        if (inUse.has(record.name) || !matchesLabelFilters(record.labels, wanted)) continue;
        await store.remove(record.name, inUse);
        removed.push(record.name);
      }
      if (removed.length) context.stdout.write(`Deleted Volumes:\n${removed.map((name) => `${name}\n`).join('')}`);
    });
}

function noSuchVolume(name: string): never {
  throw new UserError(`no such volume: ${name}`, { hint: 'berth volume ls lists the volumes' });
}
