import { describe, expect, it } from 'vitest';
import { partitionLag } from './kafka-lag.js';

describe('partitionLag', () => {
  it('is the high watermark minus the committed offset', () => {
    expect(partitionLag({ partition: 2, low: '0', high: '120', committed: '100' })).toEqual({
      name: '2',
      total: 20,
      end: '120',
      position: '100',
    });
  });
  it('counts from the log start when the group has no commit', () => {
    expect(partitionLag({ partition: 0, low: '30', high: '50', committed: '-1' })).toEqual({
      name: '0',
      total: 20,
      end: '50',
    });
  });
  it('counts from the log start when retention removed the committed records', () => {
    expect(partitionLag({ partition: 0, low: '40', high: '50', committed: '10' }).total).toBe(10);
  });
  it('is zero for a drained or empty partition', () => {
    expect(partitionLag({ partition: 0, low: '5', high: '5', committed: '-1' }).total).toBe(0);
    expect(partitionLag({ partition: 0, low: '0', high: '9', committed: '9' }).total).toBe(0);
  });
});
