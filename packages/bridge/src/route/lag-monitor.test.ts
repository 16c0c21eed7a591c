import { type LagReport, lagReport } from '@polybus/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LagMonitor } from './lag-monitor.js';

const report = (total: number): LagReport =>
  lagReport([{ name: 'p0', total, waiting: total, inFlight: 0 }], { exact: true, groupExists: true, at: 0 });

afterEach(() => {
  vi.useRealTimers();
});

describe('LagMonitor', () => {
  it('asks at once, then every interval, with one query in flight', async () => {
    vi.useFakeTimers();
    let calls = 0;
    let release: (() => void) | undefined;
    const monitor = new LagMonitor({
      intervalMs: 1000,
      query: () => {
        calls++;
        return new Promise<LagReport>((resolve) => {
          release = () => resolve(report(calls));
        });
      },
    });
    monitor.start();
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(1); // still in flight: no second query
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(monitor.snapshot()?.total).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    monitor.stop();
  });

  it('keeps the last answer and marks it stale when a query fails', async () => {
    vi.useFakeTimers();
    const answers: Array<() => Promise<LagReport>> = [
      async () => report(7),
      async () => {
        throw new Error('broker down');
      },
      async () => report(0),
    ];
    const errors: unknown[] = [];
    const monitor = new LagMonitor({
      intervalMs: 100,
      query: () => (answers.shift() as () => Promise<LagReport>)(),
      onError: (e) => errors.push(e),
    });
    monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(monitor.snapshot()).toMatchObject({ total: 7, stale: false, exact: true, groupExists: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(monitor.snapshot()).toMatchObject({ total: 7, stale: true });
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(monitor.snapshot()).toMatchObject({ total: 0, stale: false });
    monitor.stop();
    monitor.stop();
  });

  it('has no snapshot before the first answer', () => {
    const monitor = new LagMonitor({ intervalMs: 100, query: () => new Promise(() => {}) });
    expect(monitor.snapshot()).toBeUndefined();
  });
});
