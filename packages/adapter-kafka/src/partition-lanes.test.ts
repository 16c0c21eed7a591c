import { describe, expect, it } from 'vitest';
import { PartitionLanes } from './partition-lanes.js';

const rec = (offset: number) => ({ offset: String(offset) });
const lanes = () => new PartitionLanes<{ offset: string }>({ highWater: 3, lowWater: 1 });
const drain = (l: PartitionLanes<{ offset: string }>) => {
  const out: string[] = [];
  for (let t = l.take(); t; t = l.take()) out.push(`${t.partition}:${t.record.offset}`);
  return out;
};

describe('PartitionLanes', () => {
  it('hands out one record per partition until it is settled, in offset order', () => {
    const l = lanes();
    l.offer(0, rec(5));
    l.offer(0, rec(6));
    expect(l.take()).toEqual({ partition: 0, record: rec(5) });
    expect(l.take(), 'partition 0 is busy').toBeUndefined();
    l.settled(0);
    expect(l.take()).toEqual({ partition: 0, record: rec(6) });
  });

  it('a busy partition does not hold back another one; partitions take turns', () => {
    const l = lanes();
    for (const o of [0, 1]) l.offer(0, rec(o));
    for (const o of [10, 11]) l.offer(1, rec(o));
    l.offer(2, rec(20));
    expect(drain(l)).toEqual(['0:0', '1:10', '2:20']);
    l.settled(1);
    expect(drain(l)).toEqual(['1:11']);
    l.settled(0);
    expect(drain(l)).toEqual(['0:1']);
  });

  it('asks to pause a partition whose buffer is full and to resume once it is down to lowWater', () => {
    const l = lanes();
    for (const o of [0, 1]) l.offer(0, rec(o));
    expect(l.wantsPause(0)).toBe(false);
    l.offer(0, rec(2));
    expect(l.wantsPause(0)).toBe(true);
    l.markPaused(0, true);
    l.take(); // 0 out, 2 buffered
    expect(l.wantsPause(0), 'still above lowWater').toBe(true);
    l.settled(0);
    l.take(); // 1 out, 1 buffered
    expect(l.wantsPause(0)).toBe(false);
    expect(l.wantsPause(7), 'unknown partition').toBe(false);
  });

  it('a nack back-off drops the buffer, pauses, refuses records until it ends, then accepts from the seek offset', () => {
    const l = lanes();
    for (const o of [3, 4, 5]) l.offer(0, rec(o));
    l.offer(1, rec(9));
    expect(l.take()).toEqual({ partition: 0, record: rec(3) });
    l.settled(0);
    l.startBackoff(0, '3');
    expect(l.buffered(0)).toBe(0);
    expect(l.wantsPause(0)).toBe(true);
    expect(l.offer(0, rec(6)), 'a stale record during the back-off').toBe(false);
    expect(drain(l), 'other partitions go on').toEqual(['1:9']);
    l.endBackoff(0);
    expect(l.wantsPause(0)).toBe(false);
    expect(l.offer(0, rec(3))).toBe(true);
    expect(drain(l)).toEqual(['0:3']);
  });

  it('drops replays below the next expected offset; a seek moves that offset', () => {
    const l = lanes();
    expect(l.offer(0, rec(1))).toBe(true);
    expect(l.offer(0, rec(2))).toBe(true);
    expect(l.offer(0, rec(1))).toBe(false);
    expect(l.offer(0, rec(4)), 'a gap (compaction) is fine').toBe(true);
    l.seeked(0, '10');
    expect(l.buffered(0)).toBe(0);
    expect(l.offer(0, rec(4))).toBe(false);
    expect(l.offer(0, rec(10))).toBe(true);
  });

  it('reset drops buffers and back-offs, forgets idle partitions, keeps a busy one busy', () => {
    const l = lanes();
    for (const o of [0, 1]) l.offer(0, rec(o));
    l.offer(1, rec(7));
    l.startBackoff(2, '4');
    l.take(); // 0:0 with the handler
    l.reset();
    expect(l.buffered(0)).toBe(0);
    expect(l.isBusy(0)).toBe(true);
    expect(l.wantsPause(2)).toBe(false);
    // The new assignment restarts below what was buffered: accepted again.
    expect(l.offer(0, rec(0))).toBe(true);
    expect(l.offer(1, rec(7))).toBe(true);
    expect(drain(l), 'partition 0 waits for its earlier record').toEqual(['1:7']);
    l.settled(0);
    expect(drain(l)).toEqual(['0:0']);
  });

  it('rejects invalid bounds', () => {
    expect(() => new PartitionLanes({ highWater: 0, lowWater: 0 })).toThrow(RangeError);
    expect(() => new PartitionLanes({ highWater: 2, lowWater: 2 })).toThrow(RangeError);
  });
});
