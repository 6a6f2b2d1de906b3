// `berth build`, `commit` and `cp`: images from Dockerfiles and from containers, files between containers and the host.
import path from 'node:path';
import type { Command } from 'commander';
import { BuildProgressPrinter } from '../../build/build-progress.js';
import { buildTtyProgress } from '../../build/build-tty-progress.js';
import { buildServiceImage, serviceImageName } from '../../build/service-build.js';
import { commitContainer } from '../../build/container-commit.js';
import { copyFromContainer, copyToContainer } from '../../build/container-copy.js';
import { listProjectContainers } from '../../engine/project-containers.js';
import { UserError } from '../../errors.js';
import { ContainerRuntime } from '../../runtime/container-runtime.js';
import { compareByNumber, parseContainerIndex, pickServiceContainer } from '../service-container.js';
import { openImageStore } from '../../image/image-store.js';
import { registryOptionsFromEnv } from '../../image/registry/registry-client.js';
import { statePathsFromEnv } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import type { GlobalOptions } from '../global-options.js';
import { progressColour, resolveProgressMode } from '../progress/progress-reporter.js';
import { loadCommandProject } from '../project-command.js';

interface BuildCommandOptions {
  /** commander's `--no-cache` sets `cache` to false. */
  cache?: boolean;
  pull?: boolean;
  buildArg: string[];
  quiet?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerBuildCommands(program: Command, context: CommandContext): void {
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
      const mode = options.quiet === true ? 'quiet' : resolveProgressMode(globals, context.stderr, context.env);
      const printer = new BuildProgressPrinter((text) => context.stderr.write(text), mode === 'json' ? 'json' : 'plain');
      const terminal = context.stderr as { write(text: string): void; columns?: number; rows?: number };
      const display = mode === 'tty' ? buildTtyProgress(terminal, { colour: progressColour(globals, context.stderr, context.env) }) : undefined;
      const built: string[] = [];
      try {
        // One after another: each build already runs its stages side by side, and output stays readable.
        for (const name of buildable) {
          const result = await buildServiceImage(drivers, project, name, {
            noCache: options.cache === false,
            pull: options.pull,
            buildArgs,
            onEvent: mode === 'quiet' ? undefined : (display?.forService(name) ?? printer.forService(name)),
          });
          const seconds = (result.durationMs / 1000).toFixed(1);
          built.push(`Built ${name}: ${serviceImageName(project, name)} ${result.image.id.slice(7, 19)} (${result.steps} steps, ${result.cachedSteps} cached, ${seconds}s)\n`);
          if (!display && mode !== 'quiet') context.stderr.write(built.at(-1) ?? '');
        }
      } finally {
        await display?.finish();
      }
      if (display) for (const line of built) context.stderr.write(line);
    });

  program
    .command('commit')
    .description("Make an image of a service container's changes (a new layer on its image)")
    .argument('<service>', 'the service')
    .argument('[reference]', 'REPOSITORY[:TAG] to name the image')
    .option('-a, --author <author>', 'author of the image')
    .option('-m, --message <message>', 'commit message (the history comment)')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL, VOLUME)', collect, [])
    .option('--no-pause', 'do not pause the container while its files are read')
    .option('--index <n>', 'which container of the service (default: the first running one)', parseContainerIndex)
    .action(async (service: string, reference: string | undefined, options: { author?: string; message?: string; change: string[]; pause: boolean; index?: number }, command: Command) => {
      const { paths, record, runtime } = await serviceContainerRecord(command, context, service, options.index ?? 0);
      const image = await commitContainer(await openImageStore(paths), runtime, paths, record.id, {
        reference,
        author: options.author,
        message: options.message,
        changes: options.change,
        pause: options.pause,
      });
      context.stdout.write(`${image.id}\n`);
    });

  program
    .command('cp')
    .description('Copy files between a service container and the host (SERVICE:PATH on one side)')
    .argument('<source>', 'SERVICE:PATH or a host path')
    .argument('<destination>', 'SERVICE:PATH or a host path')
    .option('-a, --archive', 'keep owners (uid/gid) of what is copied')
    .option('-L, --follow-link', 'follow a symlink named as the source')
    .option('--index <n>', 'which container of the service (default: the first running one)', parseContainerIndex)
    .action(async (source: string, destination: string, options: { archive?: boolean; followLink?: boolean; index?: number }, command: Command) => {
      const from = containerSide(source);
      const to = containerSide(destination);
      if ((from === undefined) === (to === undefined)) {
        throw new UserError('cp copies between a container and the host: give SERVICE:PATH as exactly one of the two', { hint: 'berth cp web:/etc/nginx/nginx.conf ./nginx.conf' });
      }
      const side = from ?? to;
      if (!side) return;
      const { record } = await serviceContainerRecord(command, context, side.service, options.index ?? 0);
      const copyOptions = { archive: options.archive, followLink: options.followLink };
      if (from) await copyFromContainer(record, from.path, path.resolve(context.cwd, destination), copyOptions);
      else if (to) await copyToContainer(record, path.resolve(context.cwd, source), to.path, copyOptions);
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

/** `SERVICE:PATH` (a colon before any slash), or undefined for a host path. */
export function containerSide(text: string): { service: string; path: string } | undefined {
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]*):(.*)$/.exec(text);
  if (!match) return undefined;
  return { service: match[1] ?? '', path: match[2] === '' ? '/' : (match[2] ?? '/') };
}

/** The service's container (`--index`, else its first running one, else its first) and its runtime record. */
async function serviceContainerRecord(command: Command, context: CommandContext, service: string, index: number) {
  const { project } = await loadCommandProject(command, context, [service]);
  const paths = statePathsFromEnv(context.env);
  const containers = await listProjectContainers(paths, { project: project.name, services: [service], oneoff: false });
  let chosen;
  try {
    chosen = pickServiceContainer(containers, service, index);
  } catch (error) {
    // A stopped container still has its files: use it when nothing runs.
    chosen = [...containers].sort(compareByNumber).find((container) => index === 0 || container.number === index);
    if (!chosen) throw error;
  }
  const runtime = new ContainerRuntime(paths);
  return { paths, runtime, record: await runtime.requireRecord(chosen.id) };
}
