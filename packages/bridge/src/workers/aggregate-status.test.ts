import { describe, expect, it } from 'vitest';
import type { RouteStatus } from '../route/route.js';
import { aggregateReadiness, aggregateRoutes, type WorkerSnapshot } from './aggregate-status.js';

const counters = (n: number) => ({
  received: n,
  published: n,
  filtered: 0,
  deadLettered: 0,
  nacked: 0,
  acked: n,
  errors: 0,
});
const route = (name: string, n: number, extra: Partial<RouteStatus> = {}): RouteStatus => ({
  name,
  state: 'running',
  inFlight: 1,
  counters: counters(n),
  ...extra,
});
const lag = (total: number, updatedAt: string) => ({ total, exact: true, groupExists: true, updatedAt });

describe('aggregateRoutes', () => {
  const snapshots: WorkerSnapshot[] = [
    {
      worker: 0,
      pid: 10,
      restarts: 0,
      status: {
        ready: true,
        connections: {},
        routes: [route('a', 5, { lag: lag(7, '2026-01-01T00:00:01Z'), drained: false }), route('once', 3)],
      },
    },
    {
      worker: 1,
      pid: 11,
      restarts: 2,
      status: {
        ready: true,
        connections: {},
        routes: [route('a', 8, { state: 'paused', lag: lag(4, '2026-01-01T00:00:02Z'), drained: true })],
      },
    },
    { worker: 2, restarts: 1 },
  ];
  const [a, once] = aggregateRoutes(snapshots);

  it('sums counts and in-flight per route', () => {
    expect(a?.counters).toEqual(counters(13));
    expect(a?.inFlight).toBe(2);
    expect(once?.counters).toEqual(counters(3));
  });
  it('keeps each worker state and takes the worst one', () => {
    expect(a?.state).toBe('paused');
    expect(a?.workers.map((w) => [w.worker, w.pid, w.state])).toEqual([
      [0, 10, 'running'],
      [1, 11, 'paused'],
    ]);
    expect(once?.workers.map((w) => w.worker)).toEqual([0]);
  });
  it('takes the latest lag and is drained only when every worker is', () => {
    expect(a?.lag?.total).toBe(4);
    expect(a?.drained).toBe(false);
    expect(once && 'drained' in once).toBe(false);
  });
});

describe('aggregateReadiness', () => {
  const up = (worker: number, ready: boolean, conn = 'up'): WorkerSnapshot => ({
    worker,
    pid: 100 + worker,
    restarts: 0,
    status: { ready, connections: { k: { state: conn } }, routes: [route('a', 1)] },
  });
  it('is ready only when every worker is', () => {
    expect(aggregateReadiness([up(0, true), up(1, true)]).ready).toBe(true);
    expect(aggregateReadiness([up(0, true), up(1, false)]).ready).toBe(false);
    expect(aggregateReadiness([up(0, true), { worker: 1, restarts: 3 }]).ready).toBe(false);
    expect(aggregateReadiness([]).ready).toBe(false);
  });
  it('shows a bad connection state with the worker it is in', () => {
    const r = aggregateReadiness([up(0, true), up(1, false, 'reconnecting')]);
    expect(r.connections.k).toEqual({ state: 'reconnecting', detail: 'worker 1' });
    expect(r.workers).toEqual([
      { worker: 0, pid: 100, ready: true, restarts: 0 },
      { worker: 1, pid: 101, ready: false, restarts: 0 },
    ]);
  });
});
