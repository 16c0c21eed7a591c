import { describe, expect, it } from 'vitest';
import { consumerLagReport } from './jetstream-lag.js';

describe('consumerLagReport', () => {
  it('is num_pending + num_ack_pending, with both in the detail', () => {
    const report = consumerLagReport({ name: 'g', numPending: 7, numAckPending: 3, ackFloor: 10 });
    expect(report).toMatchObject({ total: 10, waiting: 7, inFlight: 3, exact: true, groupExists: true });
    expect(report.parts[0]).toMatchObject({ name: 'g', position: '10' });
  });
});
