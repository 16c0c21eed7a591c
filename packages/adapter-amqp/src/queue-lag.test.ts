import { describe, expect, it } from 'vitest';
import { queueLagReport } from './queue-lag.js';

describe('queueLagReport', () => {
  it('is the ready message count; unacked is unknown', () => {
    const report = queueLagReport('orders.billing', 42);
    expect(report).toMatchObject({ total: 42, waiting: 42, groupExists: true, exact: true });
    expect(report.inFlight).toBeUndefined();
  });
  it('reports a missing queue as empty and not existing', () => {
    expect(queueLagReport('q', undefined)).toMatchObject({ total: 0, groupExists: false });
  });
});
