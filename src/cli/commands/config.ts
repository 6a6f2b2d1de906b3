// `berth config`: load, validate and print the canonical project model.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { stringify } from 'yaml';
import { UserError } from '../../errors.js';
import { configHash } from '../../plan/config-hash.js';
import { loadProject } from '../../spec/load-project.js';
import type { Project } from '../../spec/model.js';
import type { CommandContext } from '../command-context.js';
import { type GlobalOptions, toLoadOptions } from '../global-options.js';
import { reportWarnings } from '../report.js';

interface ConfigOptions {
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  hash?: string;
  output?: string;
  format: 'yaml' | 'json';
  interpolate: boolean;
}

export function registerConfigCommand(program: Command, context: CommandContext): void {
  program
    .command('config')
    .description('Parse, resolve and validate the compose file(s), then print the canonical model')
    .option('-q, --quiet', 'only validate; print nothing')
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image of each service, one per line')
    .option('--hash <services>', 'print the config hash of these services ("*" for all, or a,b,c)')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--no-interpolate', 'do not replace ${VARIABLES}')
    .addHelpText(
      'after',
      `
Examples:
  berth config                      print the merged, normalised model as YAML
  berth config -q                   check the files; exit code 15 if they are invalid
  berth -f a.yaml -f b.yaml config --format json
  berth config --services           list the services of the enabled profiles
  berth config web                  only web and the services it depends on
  berth config --hash "*"           config hash per service (recreate decisions use it)`,
    )
    .argument('[services...]', 'only these services (and what they depend on)')
    .action(async (services: string[], options: ConfigOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & ConfigOptions>();
      const loaded = await loadProject({
        ...toLoadOptions(globals, context.cwd),
        interpolate: options.interpolate,
        env: context.env,
        ...(services.length ? { services } : {}),
      });
      reportWarnings(loaded.warnings, context.stderr);
      if (options.quiet) return;
      const text = renderConfig(loaded.project, loaded.allProfiles, options);
      if (options.output) writeFileSync(resolve(context.cwd, options.output), text);
      else context.stdout.write(text);
    });
}

export function renderConfig(project: Project, allProfiles: string[], options: ConfigOptions): string {
  const lines = (items: string[]): string => items.map((item) => `${item}\n`).join('');
  if (options.services) return lines(Object.keys(project.services));
  if (options.volumes) return lines(Object.keys(project.volumes));
  if (options.networks) return lines(Object.keys(project.networks));
  if (options.profiles) return lines(allProfiles);
  if (options.images) {
    return lines(
      Object.entries(project.services).map(([name, service]) => service.image ?? `${project.name}-${name}`),
    );
  }
  if (options.hash !== undefined) {
    const wanted =
      options.hash === '*' ? Object.keys(project.services) : options.hash.split(',').filter(Boolean);
    return lines(
      wanted.map((name) => {
        const service = project.services[name];
        if (!service) {
          throw new UserError(`no such service: ${name}`, {
            hint: `services: ${Object.keys(project.services).join(', ')}`,
            reason: 'invalid-project',
          });
        }
        return `${name} ${configHash(service)}`;
      }),
    );
  }
  const view = printedSections(project);
  const text =
    options.format === 'json'
      ? // compose marshals the top level as a Go map: keys come out sorted.
        `${JSON.stringify(Object.fromEntries(Object.entries(view).sort(([a], [b]) => (a < b ? -1 : 1))), null, 2)}\n`
      : // YAML 1.1 rules quote strings such as `yes`, `on`, `1:20`, as compose's Go encoder does, so the
        // output means the same to every YAML reader.
        stringify(view, { lineWidth: 0, indent: 2, aliasDuplicateObjects: false, version: '1.1' });
  // Interpolation consumed `$$`; escape again so the output reads back to the same values (compose does).
  return options.interpolate ? text.replaceAll('$', '$$$$') : text;
}

const OMITTED_WHEN_EMPTY = new Set(['networks', 'volumes', 'secrets', 'configs', 'models']);

/** The project as compose prints it: empty top-level sections are left out (compose's `omitempty`). */
function printedSections(project: Project): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(project)
      .filter(
        ([key, value]) =>
          !(OMITTED_WHEN_EMPTY.has(key) && (value === undefined || Object.keys(value as object).length === 0)),
      ),
  );
}
