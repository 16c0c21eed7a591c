import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

describe('OffsetTracker', () => {
  it('commits nothing before a delivery, then the first delivered offset while it is unacked', () => {
    const t = new OffsetTracker();
    expect(t.committable(0)).toBeUndefined();
    expect(t.delivered(0, '10')).toBe(1);
    expect(t.committable(0)).toBe('10');
  });

  it('advances to one past the highest contiguous acked offset', () => {
    const t = new OffsetTracker();
    for (const o of [0, 1, 2, 3]) t.delivered(0, String(o));
    t.ack(0, '0');
    expect(t.committable(0)).toBe('1');
    t.ack(0, '2');
    expect(t.committable(0), 'never past the unacked offset 1').toBe('1');
    t.ack(0, '1');
    expect(t.committable(0)).toBe('3');
    t.ack(0, '3');
    expect(t.committable(0)).toBe('4');
    expect(t.unacked(0)).toEqual([]);
  });

  it('keeps partitions independent', () => {
    const t = new OffsetTracker();
    t.delivered(0, '5');
    t.delivered(1, '100');
    t.ack(1, '100');
    expect(t.committable(0)).toBe('5');
    expect(t.committable(1)).toBe('101');
    expect(t.commits()).toEqual([
      { partition: 0, offset: '5', deliveredUpTo: '6' },
      { partition: 1, offset: '101', deliveredUpTo: '101' },
    ]);
    expect(t.commits(new Set([1])).map((c) => c.partition)).toEqual([1]);
  });

  it('never commits past a nacked offset, and counts attempts per offset', () => {
    const t = new OffsetTracker();
    expect(t.delivered(0, '0')).toBe(1);
    t.ack(0, '0');
    expect(t.delivered(0, '1')).toBe(1);
    t.nack(0, '1');
    expect(t.committable(0)).toBe('1');
    expect(t.delivered(0, '1'), 'redelivery after one nack').toBe(2);
    t.nack(0, '1');
    expect(t.delivered(0, '1'), 'redelivery after two nacks').toBe(3);
    expect(t.committable(0)).toBe('1');
    t.ack(0, '1');
    expect(t.committable(0)).toBe('2');
    expect(t.delivered(0, '2')).toBe(1);
  });

  it('drops acks of offsets after a nacked one: they are read again', () => {
    const t = new OffsetTracker();
    for (const o of [0, 1, 2]) t.delivered(0, String(o));
    t.ack(0, '2');
    t.nack(0, '1');
    t.ack(0, '0');
    expect(t.committable(0)).toBe('1');
    expect(t.unacked(0)).toEqual([]);
    t.delivered(0, '1');
    t.delivered(0, '2');
    t.ack(0, '1');
    expect(t.committable(0), 'offset 2 acked before the nack does not count').toBe('2');
    t.ack(0, '2');
    expect(t.committable(0)).toBe('3');
  });

  it('a redelivery of a pending offset drops it and later ones (seek back without nack)', () => {
    const t = new OffsetTracker();
    for (const o of [4, 5, 6]) t.delivered(0, String(o));
    t.delivered(0, '5');
    expect(t.unacked(0)).toEqual(['4', '5']);
    t.ack(0, '6');
    expect(t.committable(0), 'ack of a dropped offset is ignored').toBe('4');
  });

  it('a re-read below the committable offset starts over there', () => {
    const t = new OffsetTracker();
    t.delivered(0, '7');
    t.ack(0, '7');
    expect(t.committable(0)).toBe('8');
    t.delivered(0, '3');
    expect(t.committable(0)).toBe('3');
  });

  it('ignores acks and nacks of unknown offsets and partitions', () => {
    const t = new OffsetTracker();
    t.delivered(0, '1');
    t.ack(0, '0');
    t.ack(0, '9');
    t.nack(0, '9');
    t.ack(3, '1');
    expect(t.committable(0)).toBe('1');
    expect(t.committable(3)).toBeUndefined();
  });

  it('forgets a revoked partition: later acks do not commit for it', () => {
    const t = new OffsetTracker();
    t.delivered(0, '1');
    t.delivered(1, '1');
    t.revoke(0);
    t.ack(0, '1');
    expect(t.committable(0)).toBeUndefined();
    expect(t.partitions).toEqual([1]);
    t.reset();
    t.ack(1, '1');
    expect(t.commits()).toEqual([]);
  });

  it('reports attempt 2 for offsets an earlier owner already delivered', () => {
    const t = new OffsetTracker();
    t.hintPreviouslyDelivered(0, '3');
    expect(t.delivered(0, '1')).toBe(2);
    expect(t.delivered(0, '2')).toBe(2);
    expect(t.delivered(0, '3')).toBe(1);
    t.nack(0, '3');
    expect(t.delivered(0, '3')).toBe(2);
  });

  it('handles offsets beyond 2^53 exactly', () => {
    const t = new OffsetTracker();
    t.delivered(0, '9007199254740993');
    t.ack(0, '9007199254740993');
    expect(t.committable(0)).toBe('9007199254740994');
  });

  it('holds the contiguous rule under random ack order', () => {
    const t = new OffsetTracker();
    const n = 500;
    for (let o = 0; o < n; o++) t.delivered(2, String(o));
    const order = Array.from({ length: n }, (_, i) => i);
    let seed = 42;
    for (let i = n - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const acked = new Set<number>();
    for (const o of order) {
      t.ack(2, String(o));
      acked.add(o);
      let contiguous = 0;
      while (acked.has(contiguous)) contiguous++;
      expect(t.committable(2)).toBe(String(contiguous));
    }
  });
});
