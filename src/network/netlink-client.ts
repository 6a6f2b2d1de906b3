// The engine's handle on its network worker thread: one per process, started on first use, idle threads unref'd.
import { Worker } from 'node:worker_threads';
import { SystemError } from '../errors.js';
import type {
  InterfaceSpec,
  LinkSummary,
  NetlinkReply,
  NetlinkRequest,
  SandboxDescription,
} from './netlink-protocol.js';

/**
 * Why one thread: the `netlink` addon aborts the process when two JS environments (main thread and a worker, or two
 * workers) use sockets at the same time, and netns changes must happen off the main thread anyway.
 */
export class NetlinkClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor() {
    const source = import.meta.url.endsWith('.ts') ? new URL('./netlink-worker.ts', import.meta.url) : new URL('./netlink-worker.js', import.meta.url);
    // Under tsx (tests, bench) the worker needs tsx's loader registered before it imports TypeScript.
    this.worker = source.pathname.endsWith('.ts')
      ? // The loader is resolved here: an eval'd worker resolves bare names from the cwd, which may be `/` (berthd).
        new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`, { eval: true })
      : new Worker(source);
    this.worker.on('message', (reply: NetlinkReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new SystemError(reply.error.message, `netlink ${reply.error.operation}`, reply.error.code));
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`network worker exited with code ${code}`)));
    this.worker.unref();
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(new SystemError(error.message, 'network worker', undefined, { cause: error }));
    this.pending.clear();
  }

  private call<T>(request: NetlinkRequest): Promise<T> {
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, request });
    });
  }

  listLinks(): Promise<LinkSummary[]> {
    return this.call({ op: 'listLinks' });
  }

  /** IPv4 prefixes the host routes (every table but `local`). */
  listRoutes(): Promise<string[]> {
    return this.call({ op: 'listRoutes' });
  }

  createBridge(options: { name: string; mtu?: number; address: string; prefixLength: number; group: number }): Promise<number> {
    return this.call({ op: 'createBridge', ...options });
  }

  deleteLink(name: string): Promise<void> {
    return this.call({ op: 'deleteLink', name });
  }

  setupSandbox(nsPath: string, create: boolean, interfaces: InterfaceSpec[]): Promise<void> {
    return this.call({ op: 'setupSandbox', nsPath, create, interfaces });
  }

  describeSandbox(nsPath: string): Promise<SandboxDescription> {
    return this.call({ op: 'describeSandbox', nsPath });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

let shared: NetlinkClient | undefined;

/** The process's one network worker. */
export function netlinkClient(): NetlinkClient {
  shared ??= new NetlinkClient();
  return shared;
}
