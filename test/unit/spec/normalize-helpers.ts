// Shared loader for the normalise tests: YAML text → canonical Project, with a fixed project context.
import { parse } from 'yaml';
import type { Warning } from '../../../src/errors.js';
import type { Project, ServiceConfig } from '../../../src/spec/model.js';
import { normalizeProject } from '../../../src/spec/normalize/normalize-project.js';

export interface NormalizeTestOptions {
  env?: Record<string, string>;
  projectDir?: string;
  homeDir?: string;
  warnings?: Warning[];
}

export function normalizeYaml(yaml: string, options: NormalizeTestOptions = {}): Promise<Project> {
  const env = options.env ?? {};
  return normalizeProject(parse(yaml) as Record<string, unknown>, {
    projectName: 'demo',
    projectDir: options.projectDir ?? '/srv/demo',
    lookup: (name) => env[name],
    warnings: options.warnings ?? [],
    ...(options.homeDir ? { homeDir: options.homeDir } : {}),
  });
}

/** The `web` service of the normalised YAML. */
export async function normalizeWeb(yaml: string): Promise<ServiceConfig> {
  return (await normalizeYaml(yaml)).services.web!;
}
