import { describe, expect, it } from 'vitest';
import { PartitionLanes, type TakenRecord } from './partition-lanes.js';

type Rec = { offset: string };
const rec = (offset: number): Rec => ({ offset: String(offset) });
const lanes = (highWater = 3, lowWater = 1) => new PartitionLanes<Rec>({ highWater, lowWater });
const label = (t: TakenRecord<Rec>) => `${t.partition}:${t.record.offset}`;
/** Takes everything that can go out now, settling nothing. */
const takeAll = (l: PartitionLanes<Rec>) => {
  const out: Array<TakenRecord<Rec>> = [];
  for (let t = l.take(); t; t = l.take()) out.push(t);
  return out;
};

describe('PartitionLanes', () => {
  it('hands out two keys of one partition at once', () => {
    const l = lanes(8, 2);
    l.offer(0, rec(5), 'a');
    l.offer(0, rec(6), 'b');
    expect(takeAll(l).map(label)).toEqual(['0:5', '0:6']);
    expect(l.outstanding(0)).toBe(2);
  });

  it('holds a later record of a key while one is out, in offset order', () => {
    const l = lanes(8, 2);
    l.offer(0, rec(5), 'a');
    l.offer(0, rec(6), 'a');
    l.offer(0, rec(7), 'b');
    const first = takeAll(l);
    expect(first.map(label), 'a:6 waits; b:7 passes it').toEqual(['0:5', '0:7']);
    l.settled(first[1]!);
    expect(l.take(), 'b settled does not release a').toBeUndefined();
    l.settled(first[0]!);
    expect(takeAll(l).map(label)).toEqual(['0:6']);
  });

  it('lets unkeyed records pass a key that is out, and never holds one unkeyed record behind another', () => {
    const l = lanes(8, 2);
    l.offer(0, rec(1), 'a');
    l.offer(0, rec(2), 'a');
    l.offer(0, rec(3), undefined);
    l.offer(0, rec(4), undefined);
    expect(takeAll(l).map(label)).toEqual(['0:1', '0:3', '0:4']);
  });

  it('a nacked record comes back before later records of its key, after the records of other keys already waiting', () => {
    const l = lanes(8, 2);
    l.offer(0, rec(10), 'a');
    l.offer(0, rec(11), 'a');
    l.offer(0, rec(12), 'b');
    const [a10, b12] = takeAll(l);
    expect([a10, b12].map((t) => label(t!))).toEqual(['0:10', '0:12']);
    // a:10 nacked: its key stays out during the retry delay; a:11 must not overtake it.
    expect(l.take()).toBeUndefined();
    expect(l.requeue(a10!)).toBe(true);
    expect(l.buffered(0)).toBe(2);
    const again = l.take()!;
    expect(label(again)).toBe('0:10');
    expect(l.take(), 'a:11 waits for the redelivery').toBeUndefined();
    l.settled(again);
    expect(takeAll(l).map(label)).toEqual(['0:11']);
  });

  it('an unkeyed record never waits for a record whose Kafka key reads like its offset', () => {
    const l = lanes(8, 2);
    l.offer(0, rec(3), '7');
    l.offer(0, rec(7), undefined);
    l.offer(0, rec(8), '7');
    expect(takeAll(l).map(label), 'key "7" holds only 0:8').toEqual(['0:3', '0:7']);
  });

  it('a nacked unkeyed record is retried before what waits behind it, without holding it back', () => {
    const l = lanes(8, 2);
    for (const o of [1, 2]) l.offer(0, rec(o), undefined);
    const u1 = l.take()!;
    l.requeue(u1);
    expect(takeAll(l).map(label)).toEqual(['0:1', '0:2']);
  });

  it('partitions take turns; a partition whose keys are all out does not hold back another', () => {
    const l = lanes(8, 2);
    for (const o of [0, 1]) l.offer(0, rec(o), 'a');
    for (const o of [10, 11]) l.offer(1, rec(o), String(o));
    l.offer(2, rec(20), 'c');
    expect(takeAll(l).map(label)).toEqual(['0:0', '1:10', '2:20', '1:11']);
  });

  it('is full at highWater buffered and asks to resume once drained to lowWater after a pause', () => {
    const l = lanes(3, 1);
    for (const o of [0, 1]) l.offer(0, rec(o), undefined);
    expect(l.isFull(0)).toBe(false);
    l.offer(0, rec(2), undefined);
    expect(l.isFull(0)).toBe(true);
    expect(l.wantsResume(0), 'not paused').toBe(false);
    expect(l.anyPaused).toBe(false);
    l.markPaused(0, true);
    expect(l.anyPaused).toBe(true);
    expect(l.pausedPartitions()).toEqual([0]);
    l.take(); // 2 buffered
    expect(l.isFull(0)).toBe(false);
    expect(l.wantsResume(0), 'still above lowWater').toBe(false);
    l.take(); // 1 buffered
    expect(l.wantsResume(0)).toBe(true);
    l.markPaused(0, false);
    expect(l.wantsResume(0)).toBe(false);
    expect(l.isFull(7), 'unknown partition').toBe(false);
  });

  it('wants a refill only once drained to lowWater, paused or not (not at the first free place)', () => {
    const l = lanes(4, 1);
    expect(l.wantsRefill(0), 'unknown partition: empty').toBe(true);
    for (const o of [0, 1, 2, 3]) l.offer(0, rec(o), undefined);
    expect(l.wantsRefill(0)).toBe(false);
    l.take(); // 3 buffered: room, but above lowWater
    expect(l.isFull(0)).toBe(false);
    expect(l.wantsRefill(0)).toBe(false);
    l.take(); // 2 buffered
    expect(l.wantsRefill(0)).toBe(false);
    l.take(); // 1 buffered
    expect(l.wantsRefill(0)).toBe(true);
    expect(l.isPaused(0), 'independent of pausing').toBe(false);
  });

  it('drops replays below the next expected offset; a seek drops the buffer and moves that offset', () => {
    const l = lanes();
    expect(l.offer(0, rec(1), 'a')).toBe(true);
    expect(l.offer(0, rec(2), 'a')).toBe(true);
    expect(l.offer(0, rec(1), 'a')).toBe(false);
    expect(l.offer(0, rec(4), 'a'), 'a gap (compaction) is fine').toBe(true);
    l.seeked(0, '10');
    expect(l.buffered(0)).toBe(0);
    expect(l.offer(0, rec(4), 'a')).toBe(false);
    expect(l.offer(0, rec(10), 'a')).toBe(true);
  });

  it('reset drops buffers, forgets idle partitions, and keeps the key of a record still out held', () => {
    const l = lanes(8, 2);
    l.offer(0, rec(0), 'a');
    l.offer(0, rec(1), 'b');
    l.offer(0, rec(2), undefined);
    l.offer(1, rec(7), 'x');
    const a0 = l.take()!;
    const u2 = (() => {
      l.take(); // 1:7
      l.take(); // 0:1 (b)
      return l.take()!; // 0:2 unkeyed
    })();
    expect(label(u2)).toBe('0:2');
    l.reset();
    expect(l.buffered(0)).toBe(0);
    expect(l.outstanding(0)).toBe(3);
    // The new assignment restarts from the committed offset, below what was out: accepted again.
    expect(l.offer(0, rec(0), 'a')).toBe(true);
    expect(l.offer(0, rec(2), undefined)).toBe(true);
    expect(l.offer(0, rec(3), 'c')).toBe(true);
    expect(takeAll(l).map(label), 'a and offset 2 are still out from before').toEqual(['0:3']);
    expect(l.requeue(a0), 'a record of the dropped buffer is not requeued').toBe(false);
    l.settled(u2);
    expect(takeAll(l).map(label)).toEqual(['0:0', '0:2']);
  });

  it('a second give-back of a record does nothing', () => {
    const l = lanes(8, 2);
    l.offer(0, rec(0), 'a');
    l.offer(0, rec(1), 'a');
    const t = l.take()!;
    l.settled(t);
    l.settled(t);
    expect(l.requeue(t)).toBe(false);
    expect(l.outstanding(0)).toBe(0);
    const next = l.take()!;
    expect(label(next)).toBe('0:1');
    l.settled(t);
    expect(l.take(), 'the key is out with offset 1, not released by a stale give-back').toBeUndefined();
    expect(l.buffered(0)).toBe(0);
  });

  it('keeps per-key offset order over random settles and nacks', () => {
    const l = lanes(64, 16);
    const keyOf = (o: number) => (o % 5 === 0 ? undefined : `k${o % 7}`);
    const lastAcked = new Map<string, number>();
    const out: Array<TakenRecord<Rec>> = [];
    const outKeys = new Set<string>();
    let seed = 3;
    const rand = (m: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % m;
    };
    let offered = 0;
    let acked = 0;
    while (acked < 1_000) {
      while (offered < 1_000 && !l.isFull(0)) l.offer(0, rec(offered), keyOf(offered++));
      for (let t = l.take(); t; t = l.take()) {
        const key = keyOf(Number(t.record.offset));
        if (key !== undefined && outKeys.has(key)) expect.fail(`${key} out twice`);
        if (key !== undefined) outKeys.add(key);
        out.push(t);
      }
      const [t] = out.splice(rand(out.length), 1);
      if (t === undefined) continue;
      const offset = Number(t.record.offset);
      const key = keyOf(offset);
      if (key !== undefined) outKeys.delete(key);
      if (rand(4) === 0) {
        l.requeue(t);
        continue;
      }
      if (key !== undefined) {
        if (offset <= (lastAcked.get(key) ?? -1))
          expect.fail(`${key}: ${offset} after ${lastAcked.get(key)}`);
        lastAcked.set(key, offset);
      }
      l.settled(t);
      acked++;
    }
    expect(lastAcked.size).toBe(7);
    expect(l.buffered(0)).toBe(0);
    expect(l.outstanding(0)).toBe(0);
  });

  it('rejects invalid bounds', () => {
    expect(() => new PartitionLanes({ highWater: 0, lowWater: 0 })).toThrow(RangeError);
    expect(() => new PartitionLanes({ highWater: 2, lowWater: 2 })).toThrow(RangeError);
  });
});
