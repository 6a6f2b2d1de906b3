// berthd's owner leases: a program holds a call open per stack; when its connection drops without a release, the stack goes down.
import type { DaemonCallContext, DaemonHandler } from '../daemon/daemon-server.js';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { ensureDirectory, writeJsonAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';
import type { Project } from '../spec/model.js';
import type { DownOptions } from './engine.js';
import type { RequestOutcome } from './request-outcome.js';

/** `lease.hold` params: the stack to take down if the owner goes away, and how. */
export interface LeaseHoldParams {
  /** Chosen by the owner (a UUID); `lease.release` names it. */
  leaseId: string;
  project: Project;
  down?: DownOptions;
}

/** The first (and only) event of `lease.hold`: the lease is registered, the owner may go on. */
export interface LeaseHeldEvent {
  held: string;
}

/** How a `lease.hold` call ended, as its result (seen only by an owner that released it). */
export interface LeaseHoldResult {
  leaseId: string;
  ended: 'released' | 'cancelled' | 'berthd-closing';
}

/** What the lease needs of an engine. */
export interface LeaseEngine {
  down(project: Project, options: DownOptions): Promise<RequestOutcome>;
}

export interface LeaseHandlerOptions {
  /** Where a reaped lease is reported (default: stderr, which berthd has on its log file). */
  log?(line: string): void;
  /** Where held leases are recorded, so a berthd that was killed can take their stacks down when it starts again. */
  paths?: StatePaths | undefined;
}

interface HeldLease {
  release(): void;
}

function holdParams(params: unknown): LeaseHoldParams {
  const value = params as Partial<LeaseHoldParams> | null;
  if (!value || typeof value.leaseId !== 'string' || value.leaseId === '' || value.leaseId.length > 200) {
    throw new UserError('lease.hold expects a leaseId (a short string)');
  }
  const project = value.project;
  if (!project || typeof project !== 'object' || typeof project.name !== 'string' || typeof project.services !== 'object') {
    throw new UserError('lease.hold expects the project model of the stack it guards');
  }
  return { leaseId: value.leaseId, project, ...(value.down ? { down: value.down } : {}) };
}

function leaseIdOf(params: unknown): string {
  const value = params as { leaseId?: unknown } | null;
  if (!value || typeof value.leaseId !== 'string') throw new UserError('lease.release expects a leaseId');
  return value.leaseId;
}

/**
 * Why the call ended. The server aborts a call both when its client disconnects and when berthd shuts down;
 * only a disconnect also closes the connection, and it does so before the abort is delivered. Checking one
 * macrotask after the abort tells the two apart: a gone client has settled `clientClosed` by then.
 */
function ending(context: DaemonCallContext, released: Promise<void>): Promise<'released' | 'owner-gone' | 'aborted'> {
  const gone = context.clientClosed.then(() => 'owner-gone' as const);
  const aborted = new Promise<'aborted'>((resolve) => {
    const later = (): void => void setImmediate(() => resolve('aborted'));
    if (context.signal.aborted) later();
    else context.signal.addEventListener('abort', later, { once: true });
  });
  return Promise.race([released.then(() => 'released' as const), gone, aborted]);
}

/**
 * `lease.hold` and `lease.release`. A hold stays in flight until it is released (result `released`),
 * cancelled by its owner, or its owner's connection closes: then the stack is taken down here, as its
 * owner would have done. A berthd shutting down leaves the stack running (as `berth daemon stop` does).
 */
export function leaseHandlers(engine: () => Promise<LeaseEngine>, options: LeaseHandlerOptions = {}): Record<string, DaemonHandler> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} berthd[${process.pid}]: ${line}\n`));
  const leases = new Map<string, HeldLease>();
  return {
    'lease.hold': async (params, context) => {
      const { leaseId, project, down } = holdParams(params);
      if (leases.has(leaseId)) throw new UserError(`lease ${leaseId} is already held`, { hint: 'use a fresh lease id per stack' });
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      leases.set(leaseId, { release });
      const recorded = options.paths ? leaseRecordPath(options.paths, leaseId) : undefined;
      try {
        if (recorded) await ensureDirectory(path.dirname(recorded), 0o700);
        if (recorded) await writeJsonAtomic(recorded, { leaseId, project, down } satisfies LeaseHoldParams, { mode: 0o600, durable: false });
        context.emit({ held: leaseId } satisfies LeaseHeldEvent);
        const how = await ending(context, released);
        if (how === 'released') return { leaseId, ended: 'released' } satisfies LeaseHoldResult;
        if (how === 'aborted') return { leaseId, ended: abortKind(context) } satisfies LeaseHoldResult;
        log(`the owner of project ${project.name} went away (lease ${leaseId}): taking the stack down`);
        const started = performance.now();
        try {
          const outcome = await (await engine()).down(project, { volumes: true, ...down });
          const took = Math.round(performance.now() - started);
          log(`project ${project.name} ${outcome.ok ? 'is down' : `was taken down with errors: ${[...outcome.failures.map((f) => `${f.service}: ${f.reason}`), ...outcome.errors].join('; ')}`} (${took} ms)`);
        } catch (error) {
          log(`taking down project ${project.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          throw error;
        }
        return null;
      } finally {
        leases.delete(leaseId);
        // A berthd closing keeps its stacks and their leases' records: its owners' connections broke with it.
        if (recorded && !(context.signal.aborted && abortKind(context) === 'berthd-closing')) await rm(recorded, { force: true });
      }
    },
    'lease.release': (params) => {
      const leaseId = leaseIdOf(params);
      const lease = leases.get(leaseId);
      lease?.release();
      return Promise.resolve({ released: lease !== undefined });
    },
  };
}

/** A cancel from the owner says so in its reason; anything else that aborts a live connection is berthd closing. */
function abortKind(context: DaemonCallContext): 'cancelled' | 'berthd-closing' {
  const reason: unknown = context.signal.reason;
  return reason instanceof Error && /cancel/i.test(reason.message) ? 'cancelled' : 'berthd-closing';
}

function leaseRecordPath(paths: StatePaths, leaseId: string): string {
  return path.join(paths.root, 'leases', `${createHash('sha256').update(leaseId).digest('hex').slice(0, 32)}.json`);
}

/**
 * berthd's start: leases recorded by an earlier berthd have lost their owners' connections with it, and
 * nobody can hold them again; their stacks go down as if the owners had gone. Returns the projects taken down.
 */
export async function reapOrphanedLeases(paths: StatePaths, engine: LeaseEngine, log: (line: string) => void): Promise<string[]> {
  const dir = path.join(paths.root, 'leases');
  await ensureDirectory(dir, 0o700);
  const reaped: string[] = [];
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    try {
      const { project, down } = holdParams(JSON.parse(await readFile(file, 'utf8')));
      log(`lease of project ${project.name} outlived its berthd: taking the stack down`);
      await engine.down(project, { volumes: true, ...down });
      reaped.push(project.name);
    } catch (error) {
      log(`reaping lease ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    await rm(file, { force: true });
  }
  return reaped;
}
