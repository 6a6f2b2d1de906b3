// `berth build [SERVICE...]`: build the images of the services that have a `build:` section, in-process.
import type { Command } from 'commander';
import { BuildProgressPrinter } from '../../build/build-progress.js';
import { buildServiceImage, serviceImageName } from '../../build/service-build.js';
import { UserError } from '../../errors.js';
import { openImageStore } from '../../image/image-store.js';
import { registryOptionsFromEnv } from '../../image/registry/registry-client.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { loadCommandProject } from '../project-command.js';

interface BuildCommandOptions {
  /** commander's `--no-cache` sets `cache` to false. */
  cache?: boolean;
  pull?: boolean;
  buildArg: string[];
  quiet?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerBuildCommand(program: Command, context: CommandContext): void {
  program
    .command('build')
    .description('Build the images of the services (all with a build section, or those named)')
    .argument('[services...]', 'only these services')
    .option('--no-cache', 'run every step, reusing nothing from the layer cache')
    .option('--pull', 'pull base images even when they are in the local store')
    .option('--build-arg <KEY=VALUE>', 'set a build argument (KEY alone takes it from the environment); repeatable', collect, [])
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (services: string[], options: BuildCommandOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { project } = await loadCommandProject(command, context, services);
      const named = services.length > 0 ? services : Object.keys(project.services);
      const buildable = named.filter((name) => project.services[name]?.build !== undefined);
      for (const name of named.filter((item) => !buildable.includes(item) && services.includes(item))) {
        context.stderr.write(`warning: service ${name} has no build section: nothing to build\n`);
      }
      const buildArgs = parseBuildArgs(options.buildArg, context.env);
      const paths = statePathsFromEnv(context.env);
      const drivers = { paths, images: await openImageStore(paths), registry: registryOptionsFromEnv(context.env) };
      const quiet = options.quiet === true || globals.progress === 'quiet';
      const printer = new BuildProgressPrinter((text) => context.stderr.write(text), globals.progress === 'json' ? 'json' : 'plain');
      // One after another: each build already runs its stages side by side, and output stays readable.
      for (const name of buildable) {
        const result = await buildServiceImage(drivers, project, name, {
          noCache: options.cache === false,
          pull: options.pull,
          buildArgs,
          onEvent: quiet ? undefined : printer.forService(name),
        });
        if (!quiet) {
          const seconds = (result.durationMs / 1000).toFixed(1);
          context.stderr.write(`Built ${name}: ${serviceImageName(project, name)} ${result.image.id.slice(7, 19)} (${result.steps} steps, ${result.cachedSteps} cached, ${seconds}s)\n`);
        }
      }
    });
}

/** `KEY=VALUE` as given; `KEY` alone takes the value from the environment (and is skipped when unset), as compose does. */
export function parseBuildArgs(items: readonly string[], env: Record<string, string | undefined>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const item of items) {
    const equals = item.indexOf('=');
    const name = equals < 0 ? item : item.slice(0, equals);
    if (name === '') throw new UserError(`--build-arg "${item}" has no name`, { hint: 'write --build-arg KEY=VALUE' });
    const value = equals < 0 ? env[name] : item.slice(equals + 1);
    if (value !== undefined) args[name] = value;
  }
  return args;
}
