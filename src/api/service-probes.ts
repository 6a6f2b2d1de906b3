// Readiness probes of one service's containers: health records, log lines, TCP connects and HTTP requests.
import { type FSWatcher, watch } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { ContainerLogReader } from '../engine/container-log-reader.js';
import type { ProbeResult, ReadinessProbe } from './readiness-loop.js';
import type { StackContainer, StackContainerFiles } from './stack-containers.js';
import type { WaitCondition } from './wait-for.js';

/** Reads the service's containers afresh (state, health, addresses). */
export type ServiceContainers = () => Promise<StackContainerFiles[]>;

export interface ServiceProbe extends ReadinessProbe {
  close(): void;
}

const GONE = new Set(['exited', 'dead']);

/** A container that stopped makes waiting pointless; one not running yet is worth another look. */
function notRunning(containers: readonly StackContainer[]): ProbeResult | undefined {
  if (containers.length === 0) return { ready: false, detail: 'it has no containers yet' };
  const gone = containers.find((container) => GONE.has(container.state));
  if (gone) return { ready: false, detail: `container ${gone.name} exited with code ${gone.exitCode}`, final: true };
  const waiting = containers.find((container) => container.state !== 'running');
  if (waiting) return { ready: false, detail: `container ${waiting.name} is ${waiting.state}` };
  return undefined;
}

/** Wakes the readiness loop when a file in one of the containers' directories changes (log lines, health records). */
class DirectoryChanges {
  private readonly watchers = new Map<string, FSWatcher>();
  private waiters: (() => void)[] = [];

  watch(dirs: readonly string[]): void {
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, () => this.wake());
        watcher.on('error', () => undefined);
        watcher.unref();
        this.watchers.set(dir, watcher);
      } catch {
        // The directory is gone: the timer still looks again.
      }
    }
  }

  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Every container healthy; a container without a healthcheck never will be, which is said at once. */
function healthyProbe(read: ServiceContainers): ServiceProbe {
  const changes = new DirectoryChanges();
  return {
    async check() {
      const containers = await read();
      changes.watch(containers.map(({ dir }) => dir));
      const stopped = notRunning(containers.map(({ container }) => container));
      if (stopped) return stopped;
      const unhealthy = containers.find(({ container }) => container.health !== 'healthy');
      if (!unhealthy) return { ready: true };
      const health = unhealthy.container.health;
      if (health === undefined && unhealthy.source.startedAt !== undefined && Date.now() - unhealthy.source.startedAt > 5_000) {
        // No probe result after seconds of running: most likely there is no healthcheck at all.
        return { ready: false, detail: `container ${unhealthy.container.name} reports no health (does the service have a healthcheck?)` };
      }
      return { ready: false, detail: `container ${unhealthy.container.name} is ${health ?? 'starting'}` };
    },
    changed: () => changes.next(),
    close: () => changes.close(),
  };
}

/** Lines matching the pattern, counted over all the service's containers from their first line. */
function logProbe(read: ServiceContainers, pattern: RegExp, times: number): ServiceProbe {
  const changes = new DirectoryChanges();
  const readers = new Map<string, ContainerLogReader>();
  let matched = 0;
  const readAll = async (containers: readonly StackContainerFiles[]): Promise<void> => {
    for (const { source } of containers) {
      let reader = readers.get(source.id);
      const entries = reader ? await reader.readNew() : await (readers.set(source.id, (reader = new ContainerLogReader(source.logPath))), reader.history());
      matched += entries.filter((entry) => pattern.test(entry.text)).length;
    }
  };
  return {
    async check() {
      const containers = await read();
      changes.watch(containers.map(({ dir }) => dir));
      await readAll(containers);
      if (matched >= times) return { ready: true };
      const seen = times > 1 ? ` (${matched} of ${times} seen)` : '';
      const stopped = notRunning(containers.map(({ container }) => container));
      // A stopped container prints no more: after its last lines were read, waiting cannot help.
      if (stopped && !stopped.ready && stopped.final) return { ...stopped, detail: `${stopped.detail} before printing it${seen}` };
      return { ready: false, detail: `no matching line yet${seen}` };
    },
    changed: () => changes.next(),
    close: () => {
      changes.close();
      for (const reader of readers.values()) void reader.close();
    },
  };
}

/** Each running container's address, or why there is none to try yet. */
async function addresses(read: ServiceContainers): Promise<{ targets: StackContainer[] } | { result: ProbeResult }> {
  const containers = (await read()).map(({ container }) => container);
  const stopped = notRunning(containers);
  if (stopped) return { result: stopped };
  const without = containers.find((container) => container.ip === undefined);
  if (without) return { result: { ready: false, detail: `container ${without.name} has no address`, final: true } };
  return { targets: containers };
}

function tcpConnects(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`connecting to ${host}:${port} timed out`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(`${host}:${port}: ${error.code ?? error.message}`));
  });
}

function httpStatus(host: string, condition: Extract<WaitCondition, { kind: 'http' }>, timeoutMs: number): Promise<{ status: number } | { problem: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port: condition.port, path: condition.path, method: condition.method, timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (error: NodeJS.ErrnoException) => resolve({ problem: `${host}:${condition.port}: ${error.code ?? error.message}` }));
    req.end();
  });
}

function portProbe(read: ServiceContainers, port: number): ServiceProbe {
  return {
    async check(budgetMs) {
      const found = await addresses(read);
      if ('result' in found) return found.result;
      for (const container of found.targets) {
        const problem = await tcpConnects(container.ip ?? '', port, budgetMs);
        if (problem) return { ready: false, detail: problem };
      }
      return { ready: true };
    },
    close: () => undefined,
  };
}

function httpProbe(read: ServiceContainers, condition: Extract<WaitCondition, { kind: 'http' }>): ServiceProbe {
  return {
    async check(budgetMs) {
      const found = await addresses(read);
      if ('result' in found) return found.result;
      for (const container of found.targets) {
        const answer = await httpStatus(container.ip ?? '', condition, budgetMs);
        if ('problem' in answer) return { ready: false, detail: answer.problem };
        if (!condition.status(answer.status)) return { ready: false, detail: `${container.name} answered ${answer.status}` };
      }
      return { ready: true };
    },
    close: () => undefined,
  };
}

/** The probe for one condition over the service's containers (read afresh at each look). */
export function serviceProbe(read: ServiceContainers, condition: WaitCondition): ServiceProbe {
  switch (condition.kind) {
    case 'healthy':
      return healthyProbe(read);
    case 'log':
      return logProbe(read, condition.pattern, condition.times);
    case 'port':
      return portProbe(read, condition.port);
    case 'http':
      return httpProbe(read, condition);
  }
}
