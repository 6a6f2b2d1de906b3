// An engine on private state roots with a busybox image loaded, and projects written from YAML text; all torn down.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { filter, firstValueFrom, throwError, timeout } from 'rxjs';
import { Engine } from '../../src/engine/engine.js';
import { loadImages } from '../../src/image/archive-import.js';
import type { LoopState } from '../../src/reconcile/loop-state.js';
import { execInContainer } from '../../src/runtime/container-exec.js';
import type { Project } from '../../src/spec/model.js';
import { loadProject } from '../../src/spec/load-project.js';
import type { StatePaths } from '../../src/state/paths.js';
import { tempStatePaths } from './temp-state.js';
import { buildBusyboxDockerArchive } from './test-image.js';

export interface EngineFixture {
  readonly engine: Engine;
  readonly paths: StatePaths;
  /** The environment the engine runs with: private roots, and no DNS forwarding off the host. */
  readonly env: Record<string, string>;
  /** Write `compose.yaml` with this text into a fresh directory and load it; the project is downed in teardown. */
  project(yaml: string, files?: Record<string, string>): Promise<Project>;
}

export async function engineFixture(t: ExecutionContext): Promise<EngineFixture> {
  const paths = await tempStatePaths(t, 'berth-eng');
  const env = { BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '' };
  const engine = await Engine.open(paths, { env });
  const projects: Project[] = [];
  const dirs: string[] = [];
  // Registered after tempStatePaths, so it runs before the roots are removed.
  t.teardown(async () => {
    for (const project of projects) {
      await engine.down(project, { volumes: true, stopTimeoutMs: 1000 }).catch((error: unknown) => t.log(`teardown down ${project.name}: ${String(error)}`));
    }
    await engine.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const archive = path.join(paths.run, '..', 'busybox.tar');
  buildBusyboxDockerArchive(archive);
  await loadImages(engine.drivers.images, archive);
  return {
    engine,
    paths,
    env,
    async project(yaml, files = {}) {
      const dir = await mkdtemp(path.join(tmpdir(), 'berth-proj-'));
      dirs.push(dir);
      await writeFile(path.join(dir, 'compose.yaml'), yaml);
      for (const [name, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await writeFile(path.join(dir, name), text);
      }
      const { project } = await loadProject({ cwd: dir, env: {} });
      projects.push(project);
      return project;
    },
  };
}

/** The first loop state of the project's session where `predicate` holds; fails after `timeoutMs`. */
export async function waitForState(engine: Engine, projectName: string, predicate: (state: LoopState) => boolean, timeoutMs = 20_000): Promise<LoopState> {
  const session = engine.session(projectName);
  if (!session) throw new Error(`no session for ${projectName}`);
  return firstValueFrom(
    session.states$.pipe(
      filter((state): state is LoopState => state !== undefined && predicate(state)),
      timeout({ first: timeoutMs, with: () => throwError(() => new Error(`state not reached in ${timeoutMs} ms: ${JSON.stringify(session.states$.value?.decision?.services)}`)) }),
    ),
  );
}

/** Run a command in the first container of a service; resolves with its output. */
export async function execInService(engine: Engine, projectName: string, container: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const found = engine.session(projectName)?.context.index.get(container);
  if (!found) throw new Error(`no container ${container}`);
  return execInContainer(engine.drivers.runtime, found.id, { args });
}
