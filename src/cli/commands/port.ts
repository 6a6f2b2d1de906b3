// `berth port SERVICE [PRIVATE_PORT]`: the host address a container port is published on, as `docker compose port`.
import { type Command, Option } from 'commander';
import type { PortPublisher } from '../../engine/project-containers.js';
import { UserError } from '../../errors.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { checkServiceNames, selectProject } from '../project-selection.js';
import { findServiceContainer, parseContainerIndex } from '../service-container.js';

interface PortOptions {
  protocol: 'tcp' | 'udp';
  index?: number;
}

export function parsePrivatePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new UserError(`expected a port number from 1 to 65535, found "${value}"`, { hint: 'e.g. berth port web 80' });
  return port;
}

/** `docker port`'s line for a mapping: `80/tcp -> 0.0.0.0:8080`. */
export function mappingText(publisher: PortPublisher): string {
  return `${publisher.TargetPort}/${publisher.Protocol} -> ${publisher.URL}:${publisher.PublishedPort}`;
}

/**
 * compose's answer for one port: `host:port` of the first binding of it (`:0` for a port the container
 * only exposes, as compose prints it); undefined when the container has no such port.
 */
export function publicAddress(publishers: readonly PortPublisher[], port: number, protocol: string): string | undefined {
  const found = publishers.find((publisher) => publisher.TargetPort === port && publisher.Protocol === protocol);
  return found ? `${found.URL}:${found.PublishedPort}` : undefined;
}

export function registerPortCommand(program: Command, context: CommandContext): void {
  program
    .command('port')
    .description('Print the public address of a port of a service, or list its port mappings')
    .argument('<service>', 'the service')
    .argument('[private_port]', 'the port inside the container (all published ports when left out)')
    .addOption(new Option('--protocol <protocol>', 'tcp or udp').choices(['tcp', 'udp']).default('tcp'))
    .option('--index <number>', 'which replica, when the service has several (default: the first running one)', parseContainerIndex)
    .addHelpText(
      'after',
      `
Examples:
  berth port web 80                   0.0.0.0:8080
  berth port --protocol udp dns 53    the host side of 53/udp
  berth port --index 2 web 80         of the second replica
  berth port web                      every published port: 80/tcp -> 0.0.0.0:8080
  curl "http://$(berth port web 80)/" use it in a script`,
    )
    .action(async (service: string, privatePort: string | undefined, options: PortOptions, command: Command) => {
      const port = privatePort === undefined ? undefined : parsePrivatePort(privatePort);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const selected = await selectProject(globals, context);
      checkServiceNames(selected, [service]);
      const container = await findServiceContainer(statePathsFromEnv(context.env), selected.name, service, options.index ?? 0);
      if (port === undefined) {
        const explicit = command.getOptionValueSource('protocol') === 'cli';
        const published = container.publishers.filter((publisher) => publisher.PublishedPort !== 0 && (!explicit || publisher.Protocol === options.protocol));
        context.stdout.write(published.map((publisher) => `${mappingText(publisher)}\n`).join(''));
        return;
      }
      const address = publicAddress(container.publishers, port, options.protocol);
      if (address === undefined) {
        const known = container.publishers.map((publisher) => (publisher.PublishedPort ? mappingText(publisher) : `${publisher.TargetPort}/${publisher.Protocol} (not published)`));
        throw new UserError(`no port ${port}/${options.protocol} for container ${container.name}`, {
          hint: known.length ? `its ports: ${known.join(', ')}` : `${service} publishes and exposes no ports (see ports: and expose: in the compose file)`,
        });
      }
      context.stdout.write(`${address}\n`);
    });
}
