// `berth network ls|inspect|rm|prune`: list, show, remove and prune berth's bridge networks.
import { type Command, Option } from 'commander';
import { type NetworkContext, findNetwork, networkContext, removeNetwork } from '../../network/bridge-network.js';
import type { NetworkRecord } from '../../network/network-store.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import { matchesLabelFilters, parseLabelFilters, plainTable } from '../label-filters.js';
import { removeEach } from '../remove-each.js';

/** Docker's `network inspect` shape, so tools that read it keep working. */
export function inspectView(record: NetworkRecord): Record<string, unknown> {
  const { addressing } = record;
  return {
    Name: record.name,
    Id: record.id,
    Created: record.created,
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: [
        {
          Subnet: addressing.subnet,
          Gateway: addressing.gateway,
          ...(addressing.ipRange ? { IPRange: addressing.ipRange } : {}),
          ...(Object.keys(addressing.auxAddresses).length ? { AuxiliaryAddresses: addressing.auxAddresses } : {}),
        },
      ],
    },
    Internal: record.internal,
    Attachable: record.attachable,
    Containers: Object.fromEntries(
      Object.values(record.endpoints).map((endpoint) => [
        endpoint.container,
        { Name: endpoint.container, MacAddress: endpoint.mac, IPv4Address: `${endpoint.address}/${addressing.subnet.split('/')[1]}`, IPv6Address: '' },
      ]),
    ),
    Options: { 'com.docker.network.bridge.name': record.bridge, ...record.driverOptions, ...(record.mtu ? { 'com.docker.network.driver.mtu': String(record.mtu) } : {}) },
    Labels: record.labels,
  };
}

export function registerNetworkCommands(program: Command, context: CommandContext, makeContext?: () => NetworkContext): void {
  const open = makeContext ?? (() => networkContext(statePathsFromEnv(context.env)));
  const network = program.command('network').description('Manage berth networks');

  network
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-q, --quiet', 'print only network ids')
    .option('--no-trunc', 'do not truncate ids')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options: { quiet?: boolean; trunc: boolean; format: 'table' | 'json' }) => {
      const records = (await open().store.list()).sort((a, b) => a.name.localeCompare(b.name));
      const id = (record: NetworkRecord): string => (options.trunc ? record.id.slice(0, 12) : record.id);
      if (options.quiet) {
        context.stdout.write(records.map((record) => `${id(record)}\n`).join(''));
      } else if (options.format === 'json') {
        context.stdout.write(records.map((record) => `${JSON.stringify({ ID: id(record), Name: record.name, Driver: 'bridge', Scope: 'local', Internal: record.internal, Subnet: record.addressing.subnet })}\n`).join(''));
      } else {
        context.stdout.write(plainTable([['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...records.map((record) => [id(record), record.name, 'bridge', 'local'])]));
      }
    });

  network
    .command('inspect')
    .description('Show networks in detail (JSON)')
    .argument('<network...>', 'names or ids')
    .action(async (names: string[]) => {
      const networkContextValue = open();
      const found = await Promise.all(names.map((name) => findNetwork(networkContextValue, name)));
      context.stdout.write(`${JSON.stringify(found.map(inspectView), null, 4)}\n`);
    });

  network
    .command('rm')
    .alias('remove')
    .description('Remove networks that no container uses')
    .argument('<network...>', 'names or ids')
    .action(async (names: string[]) => {
      const networkContextValue = open();
      await removeEach(names, (name) => removeNetwork(networkContextValue, name), context.stdout);
    });

  network
    .command('prune')
    .description('Remove every network that no container uses')
    .option('-f, --force', 'do not ask for confirmation (berth never asks: accepted for docker compatibility)')
    .option('--filter <filter...>', 'only networks with this label (label=key or label=key=value)')
    .action(async (options: { filter?: string[] }) => {
      const networkContextValue = open();
      const wanted = parseLabelFilters(options.filter ?? []);
      const unused = (await networkContextValue.store.list()).filter((record) => Object.keys(record.endpoints).length === 0 && matchesLabelFilters(record.labels, wanted));
      const removed: string[] = [];
      const errors: Error[] = [];
      for (const record of unused) {
        try {
          await removeNetwork(networkContextValue, record.id);
          removed.push(record.name);
        } catch (error) {
          errors.push(error as Error);
        }
      }
      if (removed.length) context.stdout.write(`Deleted Networks:\n${removed.map((name) => `${name}\n`).join('')}`);
      if (errors.length) throw new AggregateError(errors, errors.map((error) => error.message).join('; '));
    });
}
