import type { RouteCounters, RouteStatus } from '../route/route.js';

/** Health of named things (connections or routes) as `/health/ready` shows them. */
export type StateMap = Record<string, { state: string; detail?: string }>;

/** What one worker last reported (see `WorkerStatusMessage`), or nothing while it is down. */
export interface WorkerSnapshot {
  readonly worker: number;
  /** Process id while a process runs the slot. */
  readonly pid?: number;
  /** Absent while the slot has no running, reporting worker. */
  readonly status?: {
    readonly ready: boolean;
    readonly connections: StateMap;
    readonly routes: RouteStatus[];
  };
  /** Restarts of this slot so far. */
  readonly restarts: number;
}

/** One worker's part of an aggregated route in `/routes`. */
export interface WorkerRoutePart {
  readonly worker: number;
  readonly pid?: number;
  readonly state: string;
  readonly detail?: string;
  readonly inFlight: number;
  readonly counters: Readonly<RouteCounters>;
}

/** A route as the supervisor's `/routes` shows it: counts summed, state per worker. */
export type AggregatedRoute = Omit<RouteStatus, 'state'> & {
  readonly state: string;
  readonly workers: WorkerRoutePart[];
};

const STATE_RANK = ['failed', 'starting', 'stopping', 'stopped', 'paused', 'running'];
const rank = (state: string): number => {
  const i = STATE_RANK.indexOf(state);
  return i < 0 ? -1 : i;
};

function sumCounters(a: Readonly<RouteCounters>, b: Readonly<RouteCounters>): RouteCounters {
  const out = { ...a } as RouteCounters;
  for (const key of Object.keys(b) as (keyof RouteCounters)[]) out[key] = (out[key] ?? 0) + b[key];
  return out;
}

const later = <T extends { at?: string; updatedAt?: string }>(a: T | undefined, b: T | undefined) =>
  a === undefined
    ? b
    : b === undefined
      ? a
      : (b.at ?? b.updatedAt ?? '') > (a.at ?? a.updatedAt ?? '')
        ? b
        : a;

/**
 * `/routes` over workers: one entry per route name (in first-seen order), `counters` and `inFlight`
 * summed, `state` the worst of the workers' (failed < starting < stopping < stopped < paused <
 * running), `lag` and `lastMoved` the most recent any worker saw, `drained` only when every worker
 * running the route says so, `inputEnded` when every one does, and `workers` listing each worker's
 * own state and counts. Workers without a status are left out. Pure.
 */
export function aggregateRoutes(snapshots: readonly WorkerSnapshot[]): AggregatedRoute[] {
  const byName = new Map<string, { parts: WorkerRoutePart[]; statuses: RouteStatus[] }>();
  for (const snap of snapshots) {
    for (const route of snap.status?.routes ?? []) {
      const entry = byName.get(route.name) ?? { parts: [], statuses: [] };
      entry.statuses.push(route);
      entry.parts.push({
        worker: snap.worker,
        ...(snap.pid === undefined ? {} : { pid: snap.pid }),
        state: route.state,
        ...(route.detail === undefined ? {} : { detail: route.detail }),
        inFlight: route.inFlight,
        counters: route.counters,
      });
      byName.set(route.name, entry);
    }
  }
  return [...byName.entries()].map(([name, { parts, statuses }]) => {
    const worst = statuses.reduce((a, b) => (rank(b.state) < rank(a.state) ? b : a));
    let counters = statuses[0]?.counters as RouteCounters;
    for (const s of statuses.slice(1)) counters = sumCounters(counters, s.counters);
    const lag = statuses.map((s) => s.lag).reduce(later, undefined);
    const lastMoved = statuses.map((s) => s.lastMoved).reduce(later, undefined);
    const drainedKnown = statuses.every((s) => s.drained !== undefined);
    return {
      name,
      state: worst.state,
      ...(worst.detail === undefined ? {} : { detail: worst.detail }),
      inFlight: statuses.reduce((n, s) => n + s.inFlight, 0),
      counters,
      ...(statuses.every((s) => s.inputEnded) ? { inputEnded: true as const } : {}),
      ...(lag === undefined ? {} : { lag }),
      ...(drainedKnown ? { drained: statuses.every((s) => s.drained === true) } : {}),
      ...(lastMoved === undefined ? {} : { lastMoved }),
      workers: parts,
    };
  });
}

function mergeStates(into: StateMap, from: StateMap, worker: number): void {
  for (const [name, value] of Object.entries(from)) {
    const current = into[name];
    const bad = value.state !== 'up' && value.state !== 'running';
    if (current === undefined || (bad && (current.state === 'up' || current.state === 'running')))
      into[name] = {
        state: value.state,
        ...(bad
          ? { detail: `worker ${worker}${value.detail === undefined ? '' : `: ${value.detail}`}` }
          : {}),
      };
  }
}

/**
 * `/health/ready` over workers: ready only when every slot in `snapshots` has a worker that
 * reported ready; a connection or route is shown with the first worker's bad state (detail prefixed
 * `worker N`), else its good one. Pure.
 */
export function aggregateReadiness(snapshots: readonly WorkerSnapshot[]): {
  ready: boolean;
  connections: StateMap;
  routes: StateMap;
  workers: { worker: number; pid?: number; ready: boolean; restarts: number }[];
} {
  const connections: StateMap = {};
  const routes: StateMap = {};
  for (const snap of snapshots) {
    if (!snap.status) continue;
    mergeStates(connections, snap.status.connections, snap.worker);
    const states: StateMap = {};
    for (const r of snap.status.routes)
      states[r.name] = r.detail === undefined ? { state: r.state } : { state: r.state, detail: r.detail };
    mergeStates(routes, states, snap.worker);
  }
  const workers = snapshots.map((s) => ({
    worker: s.worker,
    ...(s.pid === undefined ? {} : { pid: s.pid }),
    ready: s.status?.ready === true,
    restarts: s.restarts,
  }));
  return { ready: snapshots.length > 0 && workers.every((w) => w.ready), connections, routes, workers };
}
