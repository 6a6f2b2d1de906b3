// Which services are in play: profiles enable services, and services named on the command line are
// enabled with what they need, as docker compose does.
//
// Compose's order: services without `profiles` are always enabled, others when one of their profiles
// is active (`*` activates all). A service named explicitly also activates ITS profiles (so every
// service of those profiles is enabled too), then the project is narrowed to the named services plus
// their dependencies. Names may be globs (`web*`), as compose matches them with filepath.Match.
// Services left out are removed; `disabledServices(project)` still knows them, so the project checks
// can let a `required: false` dependency on a disabled service pass, as compose does.
import { UserError } from '../errors.js';
import { buildDependencyGraph } from '../plan/dependency-graph.js';
import { suggest } from './did-you-mean.js';
import type { Project, ServiceConfig } from './model.js';
import { copyPositions } from './source-position.js';

export interface ServiceSelectionOptions {
  /** Active profiles (`--profile`, `COMPOSE_PROFILES`); `*` activates every profile. */
  profiles: string[];
  /** Services named on the command line; empty or absent means all enabled services. */
  explicitServices?: string[];
}

/** Every service a selected project came from, enabled or not, in the order written. */
const allServicesOf = new WeakMap<Project, Readonly<Record<string, ServiceConfig>>>();

function allServices(project: Project): Readonly<Record<string, ServiceConfig>> {
  return allServicesOf.get(project) ?? project.services;
}

/** The services `selectServices` left out of `project` (empty for a project it did not make). */
export function disabledServices(project: Project): Readonly<Record<string, ServiceConfig>> {
  return Object.fromEntries(
    Object.entries(allServices(project)).filter(([name]) => !(name in project.services)),
  );
}

/** A service is enabled when it has no profiles or one of them is active. */
export function isServiceEnabled(service: ServiceConfig, profiles: readonly string[]): boolean {
  const own = service.profiles ?? [];
  return own.length === 0 || profiles.some((profile) => profile === '*' || own.includes(profile));
}

/** Every profile any service names (enabled or not), sorted and without repeats. */
export function listProfiles(project: Project): string[] {
  const all = allServices(project);
  return [...new Set(Object.values(all).flatMap((service) => service.profiles ?? []))].sort();
}

/**
 * The project with only the services in play. Throws a UserError when a name given on the command
 * line matches no service. A required dependency that is not in play is left in `depends_on` for
 * the project checks to report with its position.
 */
export function selectServices(project: Project, options: ServiceSelectionOptions): Project {
  const all = allServices(project);
  const names = options.explicitServices ?? [];

  let profiles = options.profiles;
  for (const name of names) {
    const service = all[name];
    if (service && !isServiceEnabled(service, profiles))
      profiles = [...profiles, ...(service.profiles ?? [])];
  }
  const enabled = Object.keys(all).filter((name) => isServiceEnabled(all[name] as ServiceConfig, profiles));

  let selected = enabled;
  if (names.length > 0) {
    const enabledServices = Object.fromEntries(enabled.map((name) => [name, all[name] as ServiceConfig]));
    const roots = names.flatMap((pattern) => {
      const matches = enabled.filter((name) => matchesServicePattern(pattern, name));
      if (matches.length === 0) throw noSuchService(pattern, Object.keys(all));
      return matches;
    });
    selected = buildDependencyGraph(enabledServices).withDependencies(roots);
  }

  const inPlay = new Set(selected);
  const services: Record<string, ServiceConfig> = {};
  // Keep the order the services were written in.
  for (const name of selected) {
    const service = all[name] as ServiceConfig;
    services[name] = names.length > 0 ? withoutUnselectedOptionalNeeds(service, inPlay) : service;
  }
  copyPositions(project.services, services);
  const result: Project = { ...project, services };
  copyPositions(project, result);
  allServicesOf.set(result, all);
  return result;
}

/** Compose drops depends_on entries outside the selection; only optional ones can be outside it. */
function withoutUnselectedOptionalNeeds(service: ServiceConfig, inPlay: ReadonlySet<string>): ServiceConfig {
  const dependsOn = service.depends_on;
  if (!dependsOn) return service;
  const kept = Object.entries(dependsOn).filter(
    ([name, dependency]) => inPlay.has(name) || dependency.required,
  );
  if (kept.length === Object.keys(dependsOn).length) return service;
  const narrowed: ServiceConfig = { ...service, depends_on: Object.fromEntries(kept) };
  if (kept.length === 0) delete narrowed.depends_on;
  else copyPositions(dependsOn, narrowed.depends_on as object);
  copyPositions(service, narrowed);
  return narrowed;
}

function noSuchService(pattern: string, known: string[]): UserError {
  const guess = suggest(pattern, known);
  return new UserError(`no such service: ${pattern}`, {
    hint: guess ? `did you mean "${guess}"?` : `the services are: ${known.join(', ') || '(none)'}`,
  });
}

/** Go's filepath.Match for service names: `*`, `?`, `[a-z]`, `[^x]`, and `\` to escape. */
export function matchesServicePattern(pattern: string, name: string): boolean {
  if (!/[*?[\\]/.test(pattern)) return pattern === name;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] ?? '');
    else if (char === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close === -1) return false; // Go reports a bad pattern; it matches nothing
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\]\\^]/g, '\\$&')}]`;
      i = close;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'u').test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
