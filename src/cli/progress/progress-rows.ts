// Progress rows (one per network, volume, image, container) folded from successive engine snapshots; pure.
import type { ObservedContainer, ServiceStatus } from '../../plan/plan-types.js';
import type { ImageActivity } from '../../engine/image-activity-board.js';
import type { ProgressSnapshot, RequestOutcome } from '../../engine/request-outcome.js';
import { formatTransfer, transferPercent } from '../../image/registry/transfer-progress.js';

export type ProgressVerb = 'up' | 'stop' | 'down';
export type RowKind = 'network' | 'volume' | 'image' | 'container' | 'service';
/** working: something is under way (a spinner); done and failed are where the row stands now. */
export type RowPhase = 'working' | 'done' | 'failed';

export interface ProgressRow {
  /** Compose's event id: `Container pg-demo-web-1`, `Network pg-demo_default`. */
  readonly id: string;
  readonly kind: RowKind;
  readonly name: string;
  readonly service?: string | undefined;
  /** What a person reads: Created, Started, Waiting for db to be healthy, Exited (1), Removed. */
  readonly text: string;
  readonly phase: RowPhase;
  /** Milliseconds since the epoch: when the row first changed in this request. */
  readonly startedAt: number;
  /** When the row last reached done or failed; absent while working. */
  readonly endedAt?: number | undefined;
}

/** The rows so far and the snapshot they were folded from. */
export interface RowTable {
  readonly verb: ProgressVerb;
  readonly rows: readonly ProgressRow[];
  readonly previous?: ProgressSnapshot | undefined;
  /** When `previous` arrived. */
  readonly previousAt?: number | undefined;
  /** Images seen building in this request: they end "Built", not "Pulled". */
  readonly builtImages?: readonly string[] | undefined;
}

export interface RowsAdvance {
  readonly table: RowTable;
  /** Rows whose text or phase changed (new rows included), in table order. */
  readonly changed: readonly ProgressRow[];
}

/**
 * A snapshot may carry the keys of the loop's running actions (`container:x`, `network:y`,
 * `image:z`, as `ObservedState.inFlight` has them); then rows also show Creating, Starting,
 * Pulling, Stopping and Removing while the step runs.
 */
type Snapshot = ProgressSnapshot & { readonly observed: { readonly inFlight?: readonly string[] | undefined } };

const KIND_LABEL: Record<RowKind, string> = { network: 'Network', volume: 'Volume', image: 'Image', container: 'Container', service: 'Service' };

export function emptyRowTable(verb: ProgressVerb): RowTable {
  return { verb, rows: [] };
}

/** How long a row has taken: from its first change to its last completion, or to now while it works. */
export function rowElapsedMs(row: ProgressRow, now: number): number {
  return Math.max(0, (row.endedAt ?? now) - row.startedAt);
}

/** `1.2s`, as compose prints per-row times. */
export function formatElapsed(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

interface RowState {
  readonly text: string;
  readonly phase: RowPhase;
  readonly service?: string | undefined;
}

/** Fold one snapshot into the table; the first snapshot is the baseline (only running containers get rows). */
export function advanceRows(table: RowTable, snapshot: Snapshot, now: number): RowsAdvance {
  const updates = new Map<string, RowState & { kind: RowKind; name: string }>();
  const set = (kind: RowKind, name: string, state: RowState | undefined): void => {
    if (state) updates.set(`${KIND_LABEL[kind]} ${name}`, { ...state, kind, name });
  };
  const previous = table.previous as Snapshot | undefined;
  const inFlight = new Set(snapshot.observed.inFlight ?? []);
  const wasInFlight = new Set(previous?.observed.inFlight ?? []);
  const known = new Set(table.rows.map((row) => row.id));
  const builtImages = new Set(table.builtImages ?? []);

  if (!previous) {
    // What existed before the request is the baseline; running containers are reported as compose does.
    for (const container of snapshot.observed.containers) {
      if (container.status === 'running') set('container', container.name, { text: 'Running', phase: 'done', service: container.service });
    }
  } else {
    const before = previous.observed;
    const after = snapshot.observed;
    for (const [kind, beforeNames, afterNames] of [
      ['network', before.networks, after.networks],
      ['volume', before.volumes, after.volumes],
    ] as const) {
      const names = new Set([...beforeNames, ...afterNames, ...keysOf(inFlight, kind), ...keysOf(wasInFlight, kind)]);
      for (const name of names) {
        const key = `${kind}:${name}`;
        const present = afterNames.includes(name);
        const was = beforeNames.includes(name);
        if (inFlight.has(key)) set(kind, name, { text: present ? 'Removing' : 'Creating', phase: 'working' });
        else if (present && !was) set(kind, name, { text: 'Created', phase: 'done' });
        else if (!present && was) set(kind, name, { text: 'Removed', phase: 'done' });
        else if (wasInFlight.has(key)) set(kind, name, { text: 'Error', phase: 'failed' });
      }
    }
    const images = new Set([...after.refreshedImages, ...keysOf(inFlight, 'image'), ...keysOf(wasInFlight, 'image')]);
    for (const image of images) {
      const key = `image:${image}`;
      // A build says so while it runs ("Building 3/10 RUN make") and once done; a pull gives its bytes.
      const activity = snapshot.images?.[image];
      if (activity?.kind === 'build') builtImages.add(image);
      const built = builtImages.has(image);
      if (inFlight.has(key)) set('image', image, { text: activityText(activity), phase: 'working' });
      else if (after.refreshedImages.includes(image) && !before.refreshedImages.includes(image)) set('image', image, { text: built ? 'Built' : 'Pulled', phase: 'done' });
      else if (wasInFlight.has(key) && !after.refreshedImages.includes(image)) set('image', image, { text: 'Error', phase: 'failed' });
    }

    const old = new Map(before.containers.map((c) => [c.name, c]));
    const statusOf = (service: string): ServiceStatus | undefined => snapshot.decision?.services[service];
    for (const container of after.containers) {
      const id = `Container ${container.name}`;
      const status = statusOf(container.service);
      const changed =
        !known.has(id) ||
        containerMoved(old.get(container.name), container) ||
        inFlight.has(`container:${container.name}`) !== wasInFlight.has(`container:${container.name}`) ||
        JSON.stringify(status) !== JSON.stringify(previous.decision?.services[container.service]);
      if (changed) set('container', container.name, containerState(container, status, inFlight.has(`container:${container.name}`), table.verb));
      old.delete(container.name);
    }
    for (const gone of old.values()) set('container', gone.name, { text: 'Removed', phase: 'done', service: gone.service });
    for (const name of keysOf(inFlight, 'container')) {
      if (!after.containers.some((c) => c.name === name) && !old.has(name)) set('container', name, { text: 'Creating', phase: 'working' });
    }

    // A service that failed without a container of its own to show it (an image that cannot be had, a failed dependency).
    for (const [service, status] of Object.entries(snapshot.decision?.services ?? {})) {
      if (status.state !== 'failed' || previous.decision?.services[service]?.state === 'failed') continue;
      const shown = table.rows.some((row) => row.kind === 'container' && row.service === service) || [...updates.values()].some((u) => u.kind === 'container' && u.service === service);
      if (!shown) set('service', service, { text: `Failed: ${status.detail}`, phase: 'failed', service });
    }
  }
  // A step seen only once it was done (no running-step keys in the snapshot) began after the previous
  // snapshot: the loop launches steps as soon as the state that allows them arrives.
  return applyUpdates({ ...table, previous: snapshot, previousAt: now, builtImages: [...builtImages] }, updates, now, table.previousAt ?? now);
}

/** An image step in flight: "Building 3/10 RUN make", "Pulling 42 % of 31 MB", or just the verb before the first news. */
function activityText(activity: ImageActivity | undefined): string {
  if (activity?.kind === 'build') return `Building ${activity.step}/${activity.steps} ${activity.instruction}`;
  if (activity?.kind === 'pull' && activity.total > 0) return formatTransfer('Pulling', { percent: transferPercent(activity.done, activity.total), total: activity.total });
  return 'Pulling';
}

/** The request is over: working rows settle (failed where their service failed), from the outcome when there is one. */
export function finishRows(table: RowTable, outcome: RequestOutcome | undefined, now: number): RowsAdvance {
  const failed = new Map((outcome?.failures ?? []).map((f) => [f.service, f.reason]));
  const updates = new Map<string, RowState & { kind: RowKind; name: string }>();
  for (const row of table.rows) {
    if (row.phase !== 'working' || !outcome) continue;
    const reason = row.service !== undefined ? failed.get(row.service) : undefined;
    updates.set(row.id, { kind: row.kind, name: row.name, service: row.service, text: row.text, phase: reason !== undefined ? 'failed' : 'done' });
  }
  return applyUpdates(table, updates, now);
}

/** One line per failed service and per step given up: what a person needs to know at the end. */
export function failureLines(outcome: RequestOutcome): { readonly service?: string; readonly reason: string }[] {
  return [...outcome.failures.map(({ service, reason }) => ({ service, reason })), ...outcome.errors.map((reason) => ({ reason }))];
}

function applyUpdates(table: RowTable, updates: Map<string, RowState & { kind: RowKind; name: string }>, now: number, begunAt = now): RowsAdvance {
  const rows = [...table.rows];
  const changed: ProgressRow[] = [];
  for (const [id, update] of updates) {
    const index = rows.findIndex((row) => row.id === id);
    const current = index >= 0 ? rows[index] : undefined;
    if (current && current.text === update.text && current.phase === update.phase) continue;
    const row: ProgressRow = {
      id,
      kind: update.kind,
      name: update.name,
      service: update.service ?? current?.service,
      text: update.text,
      phase: update.phase,
      startedAt: current?.startedAt ?? (update.phase === 'working' ? now : begunAt),
      endedAt: update.phase === 'working' ? undefined : now,
    };
    if (index >= 0) rows[index] = row;
    else rows.push(row);
    changed.push(row);
  }
  const order = new Map(rows.map((row, i) => [row.id, i]));
  changed.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { table: { ...table, rows }, changed };
}

function keysOf(keys: ReadonlySet<string>, kind: string): string[] {
  const prefix = `${kind}:`;
  return [...keys].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
}

function containerMoved(before: ObservedContainer | undefined, after: ObservedContainer): boolean {
  return (
    !before ||
    before.status !== after.status ||
    before.health !== after.health ||
    before.restartCount !== after.restartCount ||
    before.startError !== after.startError ||
    before.exitCode !== after.exitCode
  );
}

/** What a container's row says, from its own state, its service's status and whether a step on it runs. */
function containerState(container: ObservedContainer, status: ServiceStatus | undefined, busy: boolean, verb: ProgressVerb): RowState {
  const service = container.service;
  const row = (text: string, phase: RowPhase): RowState => ({ text, phase, service });
  const leaving = verb !== 'up' || status?.state === 'stopping' || status?.state === 'stopped' || status?.state === 'removed';
  if (busy) {
    if (container.status === 'running' || container.status === 'paused') return row(status?.state === 'restarting' ? 'Restarting' : 'Stopping', 'working');
    return row(leaving ? 'Removing' : 'Starting', 'working');
  }
  if (container.startError !== undefined) return row(`Error: ${container.startError}`, 'failed');
  switch (container.status) {
    case 'created':
      if (status?.state === 'waiting') return row(`Waiting for ${status.detail}`, 'working');
      if (status?.state === 'failed') return row(`Failed: ${status.detail}`, 'failed');
      return row('Created', 'done');
    case 'running':
      if (container.health === 'healthy') return row('Healthy', 'done');
      if (container.health === 'unhealthy') return row('Unhealthy', 'failed');
      if (container.health === 'starting') return row('Started, health: starting', 'working');
      return row(container.restartCount > 0 ? `Restarted (${container.restartCount})` : 'Started', 'done');
    case 'paused':
      return row('Paused', 'done');
    case 'exited': {
      if (leaving) return row('Stopped', 'done');
      const code = container.exitCode ?? -1;
      if (status?.state === 'restarting') return row(`Exited (${code}), restarting`, 'working');
      return row(`Exited (${code})`, code === 0 ? 'done' : 'failed');
    }
    case 'dead':
      return row('Dead', 'failed');
  }
}
