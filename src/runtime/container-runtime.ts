// The container driver: create (bundle + conmon + runc create), start, stop, kill, pause, resume, delete, inspect.
import { readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, constants as osConstants } from 'node:os';
import path from 'node:path';
import { SystemError, UserError } from '../errors.js';
import type { ImageRuntimeConfig } from '../image/media-types.js';
import { ensureDirectory, writeFileAtomic } from '../state/atomic-write.js';
import type { StatePaths } from '../state/paths.js';
import { isProcessRunning } from '../state/process-alive.js';
import type { ServiceConfig } from '../spec/model.js';
import { parseDuration } from '../spec/syntax/duration.js';
import { hostBoundingCapabilities } from './capabilities.js';
import { CreateFailure, startMonitor } from './conmon-monitor.js';
import {
  containerFiles, listContainerRecords, processStartTime, readContainerRecord, runtimeDirs, writeContainerRecord,
  type ContainerFiles, type ContainerRecord, type RuntimeDirs,
} from './container-record.js';
import { startThroughExecFifo } from './exec-fifo-start.js';
import { ExitWatcher, readExitFile, type ExitStatus } from './exit-watcher.js';
import { currentHardLimits } from './host-limits.js';
import { resolveHostDevices } from './host-devices.js';
import type { RuntimeMount } from './oci-spec.js';
import { LogRotator } from './log-rotation.js';
import { RuncCli } from './runc-cli.js';
import { removeStoppedRuncState } from './stopped-runc-state.js';
import { createError } from './create-errors.js';
import { logOptions } from './log-options.js';
import { buildRuntimeSpec, serializeRuntimeSpec, type ContainerFacts } from './runtime-spec-builder.js';

export interface CreateContainerRequest {
  id: string;
  name: string;
  service: ServiceConfig;
  image: { reference: string; config: ImageRuntimeConfig };
  rootfs: string;
  netnsPath?: string | undefined;
  joinNamespaces?: ContainerFacts['joinNamespaces'];
  /** Mounts resolved by src/volume (volumes, tmpfs, volumes_from). */
  mounts?: RuntimeMount[] | undefined;
  etcFiles?: ContainerFacts['etcFiles'];
  /** Compose labels; the service's labels are added. */
  labels?: Record<string, string> | undefined;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'exited' | 'unknown';

export interface ContainerStatus {
  record: ContainerRecord;
  state: ContainerState;
  pid?: number | undefined;
  exitCode?: number | undefined;
  oomKilled: boolean;
  /** When it exited (ms since the epoch): the time conmon wrote its exit file. */
  finishedAt?: number | undefined;
}

const DEFAULT_GRACE_MS = 10_000;

async function modifiedAt(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** runc's answer for a container it no longer has: nothing left to delete. */
function ignoreMissing(error: unknown): void {
  if (error instanceof SystemError && /does not exist|not found/i.test(error.message)) return;
  throw error;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

export class ContainerRuntime {
  readonly dirs: RuntimeDirs;
  readonly runc: RuncCli;
  readonly exits: ExitWatcher;
  readonly logs = new LogRotator();

  constructor(readonly paths: StatePaths) {
    this.dirs = runtimeDirs(paths);
    this.runc = new RuncCli(this.dirs.runcRoot);
    this.exits = new ExitWatcher(this.dirs.exits);
  }

  private ready: Promise<void> | undefined;

  /** Make the directories and watch the exit directory. Safe to call again (done once). */
  async setup(): Promise<void> {
    this.ready ??= Promise.all(Object.values(this.dirs).map((dir) => ensureDirectory(dir, 0o711))).then(() => this.exits.open());
    await this.ready;
  }

  close(): void {
    this.exits.close();
    this.logs.close();
  }

  /**
   * Take over containers a previous engine process started: their state is on disk (records, runc
   * state, exit files), so adopting only restarts what lives in memory (log rotation).
   */
  async adopt(): Promise<ContainerStatus[]> {
    await this.setup();
    const statuses = await this.list();
    for (const status of statuses) if (status.state === 'running') this.watchLog(status.record);
    return statuses;
  }

  private watchLog(record: ContainerRecord): void {
    const { maxSize, maxFiles } = record.log;
    if (maxSize === undefined || maxFiles === undefined || maxFiles <= 1) return;
    const files = this.files(record.id);
    this.logs.watch(record.id, files.log, files.conmonPidFile, maxSize, maxFiles);
  }

  files(id: string): ContainerFiles {
    return containerFiles(this.dirs, id);
  }

  /** Write the bundle and run `runc create` under conmon. On any failure nothing of the container remains. */
  async create(request: CreateContainerRequest): Promise<ContainerRecord> {
    await this.setup();
    const { service } = request;
    const files = this.files(request.id);
    const devices = await resolveHostDevices(service.devices ?? []);
    const [passwd, group] = await Promise.all([
      readText(path.join(request.rootfs, 'etc/passwd')),
      readText(path.join(request.rootfs, 'etc/group')),
    ]);
    const labels = { ...(service.labels ?? {}), ...(request.labels ?? {}) };
    const spec = buildRuntimeSpec(service, request.image.config, {
      id: request.id,
      rootfs: request.rootfs,
      netnsPath: request.netnsPath,
      joinNamespaces: request.joinNamespaces,
      mounts: request.mounts ?? [],
      etcFiles: request.etcFiles,
      passwd,
      group,
      hostCapabilities: hostBoundingCapabilities(),
      hostHardLimits: currentHardLimits(),
      hostCpus: availableParallelism(),
      devices,
      annotations: request.labels,
    });
    const record: ContainerRecord = {
      id: request.id,
      name: request.name,
      labels,
      image: request.image.reference,
      created: new Date().toISOString(),
      rootfs: request.rootfs,
      netnsPath: request.netnsPath,
      mounts: [...(request.mounts ?? [])],
      stopSignal: service.stop_signal ?? request.image.config.StopSignal ?? 'SIGTERM',
      stopGracePeriodMs: service.stop_grace_period !== undefined ? parseDuration(service.stop_grace_period) : DEFAULT_GRACE_MS,
      tty: service.tty === true,
      stdinOpen: service.stdin_open === true,
      log: logOptions(service),
    };
    try {
      await ensureDirectory(files.dir, 0o700);
      await ensureDirectory(files.bundle, 0o700);
      await writeContainerRecord(files, record);
      await writeFileAtomic(files.configJson, serializeRuntimeSpec(spec), { durable: false });
      await this.launch(record, files);
      return record;
    } catch (error) {
      const cleanup = await this.removeEverything(files, request.id).catch((cleanupError: unknown) => cleanupError);
      const cause = error instanceof CreateFailure ? createError(request.name, error) : error;
      if (cleanup instanceof Error && cause instanceof Error) cause.message += ` (cleanup also failed: ${cleanup.message})`;
      throw cause;
    }
  }

  /** conmon → `runc create` for the bundle on disk; records the init pid. */
  private async launch(record: ContainerRecord, files: ContainerFiles): Promise<void> {
    const { pid } = await startMonitor({
      id: record.id,
      bundle: files.bundle,
      pidFile: files.pidFile,
      conmonPidFile: files.conmonPidFile,
      exitDir: this.dirs.exits,
      logPath: files.log,
      // conmon's cap starts the file again; with max-file > 1 the LogRotator rotates before it is reached.
      logSizeMax: record.log.maxSize,
      socketDir: this.dirs.sockets,
      persistDir: files.bundle,
      terminal: record.tty,
      stdin: record.stdinOpen,
      runc: this.runc,
    });
    record.pid = pid;
    record.pidStartTime = await processStartTime(pid);
    record.startedAt = undefined;
    record.paused = false;
    await writeContainerRecord(files, record);
  }

  /** Run it again after it exited (Docker's `start` of a stopped container, restart policies): same bundle, log appended. */
  private async relaunch(record: ContainerRecord, files: ContainerFiles): Promise<void> {
    const live = await this.runc.state(record.id);
    if (live) await this.runc.delete(record.id, live.status !== 'stopped');
    await Promise.all([rm(files.exitFile, { force: true }), rm(files.oomMarker, { force: true })]);
    try {
      await readFile(files.configJson);
    } catch {
      throw new SystemError(`the bundle of ${record.name} is gone (was ${files.bundle} cleared by a reboot?)`, 'start', 'ENOENT');
    }
    try {
      await this.launch(record, files);
    } catch (error) {
      throw error instanceof CreateFailure ? createError(record.name, error) : error;
    }
  }

  /** Start a created container, or run an exited one again. */
  async start(id: string): Promise<void> {
    const record = await this.requireRecord(id);
    const files = this.files(id);
    const status = await this.statusOf(record, files);
    if (status.state === 'exited') {
      await this.relaunch(record, files);
    } else if (status.state !== 'created') {
      throw new UserError(`container ${record.name} cannot be started: it is ${status.state}`, {
        hint: status.state === 'unknown' ? 'remove it and create it again' : 'it is already running',
      });
    }
    // Recorded before the process starts: an exit read from the record then belongs to this run, however
    // quick (the loop drops exits of older runs by this time).
    record.startedAt = new Date().toISOString();
    record.stopRequested = false;
    record.stoppedBy = undefined;
    await writeContainerRecord(this.files(id), record);
    // Through the exec FIFO as runc start would (no runc process); runc itself when there is none to open.
    const started = record.pid === undefined ? 'not-created' : await startThroughExecFifo(this.runc.root, id, record.pid);
    if (started === 'not-created') await this.runc.start(id);
    if (started === 'init-gone') throw new SystemError(`container ${record.name} exited before it could start`, 'start');
    this.watchLog(record);
  }

  /** Record plus live state (runc's view and conmon's exit file): what a new engine process adopts. */
  async inspect(id: string): Promise<ContainerStatus | undefined> {
    const files = this.files(id);
    const record = await readContainerRecord(files);
    if (!record) return undefined;
    return this.statusOf(record, files);
  }

  async list(): Promise<ContainerStatus[]> {
    const records = await listContainerRecords(this.dirs);
    return Promise.all(records.map((record) => this.statusOf(record, this.files(record.id))));
  }

  private async statusOf(record: ContainerRecord, files: ContainerFiles): Promise<ContainerStatus> {
    const exit = await readExitFile(files.exitFile);
    if (exit) return this.exitedStatus(record, files, exit);
    // Fast path, no runc process: the init pid is still the one we started (same start time).
    if (record.pid !== undefined && record.pidStartTime !== undefined && (await processStartTime(record.pid)) === record.pidStartTime) {
      const state = record.paused ? 'paused' : record.startedAt ? 'running' : 'created';
      return { record, state, pid: record.pid, oomKilled: false };
    }
    const live = await this.runc.state(record.id);
    if (live && live.status !== 'stopped') return { record, state: live.status === 'creating' ? 'created' : live.status, pid: live.pid, oomKilled: false };
    // It ended while runc was asked: conmon wrote the exit file meanwhile (and may have left), or is
    // writing it this moment (worth a short wait while conmon still runs).
    const late = (await readExitFile(files.exitFile)) ?? (live && (await this.monitorRunning(record.id)) ? await this.wait(record.id, 3000) : undefined);
    if (late) return this.exitedStatus(record, files, late);
    return { record, state: live ? 'exited' : 'unknown', oomKilled: false };
  }

  private async exitedStatus(record: ContainerRecord, files: ContainerFiles, exit: ExitStatus): Promise<ContainerStatus> {
    const [oomKilled, finishedAt] = await Promise.all([this.oomMarked(files), modifiedAt(files.exitFile)]);
    return { record, state: 'exited', exitCode: exit.exitCode, oomKilled, finishedAt };
  }

  private async oomMarked(files: ContainerFiles): Promise<boolean> {
    try {
      await readFile(files.oomMarker);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Exit events (inotify on the exit directory, written by conmon): the listener gets the full
   * status (exit code, OOM). Returns a function that unsubscribes.
   */
  onExit(listener: (status: ContainerStatus) => void): () => void {
    void this.setup();
    return this.exits.onExit((id) => {
      void this.inspect(id).then((status) => {
        if (status?.state === 'exited') listener(status);
      }, () => undefined);
    });
  }

  /** Resolves when the container has exited (at once if it already has). */
  async wait(id: string, timeoutMs = Infinity): Promise<ExitStatus | undefined> {
    await this.setup();
    return this.exits.wait(id, timeoutMs);
  }

  /**
   * Send a signal to the container's init process (by pid when it is provably still ours, else through runc).
   * `byUser` (`berth kill`) counts as a manual stop, as in Docker: no restart policy starts it again.
   */
  async kill(id: string, signal: string, options: { byUser?: boolean } = {}): Promise<void> {
    const record = await this.requireRecord(id);
    const files = this.files(id);
    const status = await this.statusOf(record, files);
    if (status.state !== 'running' && status.state !== 'paused' && status.state !== 'created') {
      throw new UserError(`container ${record.name} is not running`, { hint: 'start it first' });
    }
    if (options.byUser) {
      record.stopRequested = true;
      record.stoppedBy = 'kill';
      await writeContainerRecord(files, record);
    }
    await this.signal(status, signal);
  }

  private async signal(status: ContainerStatus, signal: string): Promise<void> {
    const { record } = status;
    const name = signal.startsWith('SIG') || /^\d+$/.test(signal) ? signal : `SIG${signal}`;
    // statusOf checked the pid's start time just now: it is our container's init, not a reused pid.
    if (status.state === 'running' && status.pid !== undefined && status.pid === record.pid) {
      try {
        process.kill(status.pid, /^\d+$/.test(name) ? Number(name) : (name as NodeJS.Signals));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      return;
    }
    await this.runc.kill(record.id, name);
  }

  /**
   * Docker's stop: the stop signal, then SIGKILL after the grace period. Returns the exit status
   * (143 after SIGTERM, 137 after SIGKILL). A container that is not running returns what it has.
   */
  async stop(id: string, options: { timeoutMs?: number } = {}): Promise<ExitStatus | undefined> {
    const record = await this.requireRecord(id);
    const files = this.files(id);
    const status = await this.statusOf(record, files);
    if (status.state === 'exited' || status.state === 'unknown') return status.exitCode !== undefined ? { exitCode: status.exitCode } : undefined;
    record.stopRequested = true;
    record.stoppedBy = 'stop';
    await writeContainerRecord(files, record);
    await this.setup();
    const grace = options.timeoutMs ?? record.stopGracePeriodMs;
    if (status.state === 'created') {
      // Never started: nothing to signal gracefully.
      await this.runc.kill(id, 'SIGKILL');
      return this.exits.wait(id, 10_000);
    }
    if (status.state === 'paused') {
      await this.resume(id);
      status.state = 'running';
    }
    // Its conmon reports the exit; without one (killed from outside) the process is watched instead.
    const monitored = await this.monitorRunning(id);
    const waitForExit = (timeoutMs: number, signal: string): Promise<ExitStatus | undefined> =>
      monitored ? this.exits.wait(id, timeoutMs) : this.unmonitoredExit(record, files, timeoutMs, signal);
    const exited = waitForExit(grace, record.stopSignal);
    await this.signal(status, record.stopSignal);
    const graceful = await exited;
    if (graceful) return graceful;
    const killed = waitForExit(10_000, 'SIGKILL');
    await this.signal(status, 'SIGKILL').catch(() => undefined);
    const status2 = await killed;
    if (!status2) throw new SystemError(`container ${record.name} did not exit after SIGKILL`, 'stop');
    return status2;
  }

  /**
   * The exit of a container whose conmon is gone: its init process (same pid, same start time) is
   * watched until it is gone, and the exit file conmon would have written is written here, with the
   * code of the signal that ended it (its real status went to whoever reaped it).
   */
  private async unmonitoredExit(record: ContainerRecord, files: ContainerFiles, timeoutMs: number, signal: string): Promise<ExitStatus | undefined> {
    const { pid, pidStartTime } = record;
    if (pid === undefined) return undefined;
    for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((resolve) => setTimeout(resolve, 50))) {
      // A zombie counts as gone: its new parent (PID 1 here) may take seconds to reap it.
      const alive = isProcessRunning(pid) && (pidStartTime === undefined || (await processStartTime(pid)) === pidStartTime);
      if (alive) continue;
      const exitCode = 128 + (osConstants.signals[signal as NodeJS.Signals] ?? 9);
      await writeFileAtomic(files.exitFile, `${exitCode}`, { durable: false });
      return { exitCode };
    }
    return undefined;
  }

  async pause(id: string): Promise<void> {
    const record = await this.requireRecord(id);
    await this.runc.pause(id);
    record.paused = true;
    await writeContainerRecord(this.files(id), record);
  }

  async resume(id: string): Promise<void> {
    const record = await this.requireRecord(id);
    await this.runc.resume(id);
    record.paused = false;
    await writeContainerRecord(this.files(id), record);
  }

  /** Remove the container: runtime state, bundle, exit file, record and log. A running one needs `force`. */
  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    const record = await this.requireRecord(id);
    const files = this.files(id);
    const status = await this.statusOf(record, files);
    if (status.state === 'running' || status.state === 'paused' || status.state === 'created') {
      if (!options.force && status.state !== 'created') {
        throw new UserError(`container ${record.name} is ${status.state}`, { hint: 'stop it first or remove it with force' });
      }
      if (status.state === 'paused') await this.runc.resume(id).catch(() => undefined);
      await this.setup();
      // Without its monitor (killed with the engine during create) nobody writes the exit file:
      // `runc delete --force` below kills the container itself.
      if (await this.monitorRunning(id)) {
        const exited = this.exits.wait(id, 10_000);
        await this.runc.kill(id, 'SIGKILL').catch(() => undefined);
        await exited;
      }
    }
    await this.removeEverything(files, id);
  }

  /** Whether the container's conmon still runs (it alone reports the exit). */
  async monitorRunning(id: string): Promise<boolean> {
    return (await this.monitorPid(id)) !== undefined;
  }

  /** The pid of the container's conmon while it runs: the recorded pid, alive, and with this container's id on its command line. */
  private async monitorPid(id: string): Promise<number | undefined> {
    const pid = Number((await readText(this.files(id).conmonPidFile)).trim());
    if (!(pid > 0) || !isProcessRunning(pid)) return undefined;
    return (await readText(`/proc/${pid}/cmdline`)).includes(id) ? pid : undefined;
  }

  /**
   * The files of a container whose record is gone (a removal cut short): bundle, exit file, record
   * directory, conmon's socket directory. Its runc state, if any, is for `runc delete` by its id.
   */
  async removeRemains(id: string): Promise<void> {
    await this.runc.delete(id, true).catch(() => undefined);
    for (const target of this.filesOnDisk(id)) await rm(target, { recursive: true, force: true });
  }

  /** What a container has on disk besides its rootfs: bundle, exit file, record directory, conmon's socket directory. */
  private filesOnDisk(id: string): string[] {
    const files = this.files(id);
    return [files.bundle, files.exitFile, files.dir, path.join(this.dirs.sockets, id)];
  }

  /** Every trace of a container; tries each step and reports all failures together. */
  private async removeEverything(files: ContainerFiles, id: string): Promise<void> {
    this.logs.unwatch(id);
    const errors: string[] = [];
    // Read before runc delete, which removes what the check needs.
    const conmonPid = await this.monitorPid(id);
    try {
      // conmon wrote the exit file: the container has stopped, and removing its cgroups and runc's
      // state (what a plain `runc delete` does, without spawning runc) is enough. Otherwise ask runc what is left;
      // --force sleeps 100 ms in runc, so only a live container gets it.
      if (await readExitFile(files.exitFile)) {
        if (!(await removeStoppedRuncState(this.runc.root, id))) await this.runc.delete(id).catch(ignoreMissing);
      } else {
        const live = await this.runc.state(id);
        if (live) await this.runc.delete(id, live.status !== 'stopped');
      }
    } catch (error) {
      errors.push(`runc delete: ${(error as Error).message}`);
    }
    // conmon leaves by itself once the container is gone; one that lingers (it lost its container) is ours to end.
    if (conmonPid !== undefined && isProcessRunning(conmonPid)) {
      try {
        process.kill(conmonPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const target of this.filesOnDisk(id)) {
      try {
        await rm(target, { recursive: true, force: true });
      } catch (error) {
        errors.push(`remove ${target}: ${(error as Error).message}`);
      }
    }
    if (errors.length > 0) throw new SystemError(errors.join('; '), `remove container ${id}`);
  }

  async requireRecord(id: string): Promise<ContainerRecord> {
    const record = await readContainerRecord(this.files(id));
    if (!record) throw new UserError(`no such container: ${id}`, { hint: 'list containers with `berth ps -a`' });
    return record;
  }
}
