// Runs the health probes of a project's running containers and reports changes of their health status.
import type { Subscription } from 'rxjs';
import { concatMap, distinctUntilChanged, from, map } from 'rxjs';
import type { HealthStatus } from '../plan/plan-types.js';
import { healthProbes } from '../reconcile/health-monitor.js';
import type { HealthSettings } from '../reconcile/health-settings.js';
import { execInContainer } from '../runtime/container-exec.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { writeHealthRecord } from './health-record.js';

export class HealthSupervisor {
  private readonly probes = new Map<string, Subscription>();

  constructor(
    private readonly runtime: ContainerRuntime,
    /** Told each time a container's status changes (starting → healthy → unhealthy ...). */
    private readonly onHealth: (container: string, health: HealthStatus) => void,
  ) {}

  /** Probe container `name` (runtime id `id`) from `startedAt` on; replaces probes already running for it. */
  start(name: string, id: string, settings: HealthSettings, startedAt: number): void {
    this.stop(name);
    const containerDir = this.runtime.files(id).dir;
    const runProbe = (command: readonly string[]) =>
      from(execInContainer(this.runtime, id, { args: [...command] })).pipe(
        map((result) => ({ exitCode: result.exitCode, output: result.stdout + result.stderr })),
      );
    const subscription = healthProbes(settings, startedAt, runProbe)
      .pipe(
        // Kept for ps and inspect, written before the status is reported: whoever hears "healthy"
        // (`up --wait`) and then reads the record must find it. A failed write only loses the detail.
        concatMap((state) => from(writeHealthRecord(containerDir, state).catch(() => undefined)).pipe(map(() => state.status))),
        distinctUntilChanged(),
      )
      .subscribe((status) => this.onHealth(name, status));
    this.probes.set(name, subscription);
  }

  stop(name: string): void {
    this.probes.get(name)?.unsubscribe();
    this.probes.delete(name);
  }

  close(): void {
    for (const subscription of this.probes.values()) subscription.unsubscribe();
    this.probes.clear();
  }
}
