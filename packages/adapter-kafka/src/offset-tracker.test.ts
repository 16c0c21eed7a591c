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

  it('a nacked offset holds the commit while later offsets of other keys are acked; its acked redelivery releases them', () => {
    const t = new OffsetTracker();
    for (const o of [0, 1, 2, 3]) t.delivered(0, String(o));
    t.ack(0, '0');
    t.nack(0, '1');
    t.ack(0, '2');
    t.ack(0, '3');
    expect(t.committable(0), 'never past the nacked offset').toBe('1');
    expect(t.unacked(0)).toEqual(['1']);
    expect(t.pending(0)).toBe(3);
    expect(t.delivered(0, '4')).toBe(1);
    expect(t.delivered(0, '1'), 'the redelivery in place counts the attempt').toBe(2);
    expect(t.pending(0), 'a redelivery adds nothing').toBe(4);
    t.ack(0, '1');
    expect(t.committable(0)).toBe('4');
    t.ack(0, '4');
    expect(t.committable(0)).toBe('5');
    expect(t.pending(0)).toBe(0);
  });

  it('never commits past a received record that is not delivered yet, while later ones of other keys are acked', () => {
    const t = new OffsetTracker();
    for (const o of [0, 1, 2]) t.received(0, String(o));
    expect(t.committable(0)).toBe('0');
    expect(t.pending(0)).toBe(3);
    t.delivered(0, '1');
    t.delivered(0, '2');
    t.ack(0, '1');
    t.ack(0, '2');
    expect(t.committable(0), 'offset 0 waits behind its key').toBe('0');
    expect(t.unacked(0), 'a buffered record is not unacked').toEqual([]);
    expect(t.delivered(0, '0')).toBe(1);
    expect(t.unacked(0)).toEqual(['0']);
    t.ack(0, '0');
    expect(t.committable(0)).toBe('3');
    expect(t.pending(0)).toBe(0);
  });

  it('a record received again at or below the highest pending one is a re-read: later pending ones are forgotten', () => {
    const t = new OffsetTracker();
    for (const o of [3, 4, 5]) t.received(0, String(o));
    t.delivered(0, '4');
    t.received(0, '4');
    expect(t.pending(0), '3 and the re-read 4').toBe(2);
    t.ack(0, '4');
    expect(t.committable(0), 'the ack of the delivery before the re-read does not count').toBe('3');
  });

  it('ignores an ack or a second nack of a nacked offset before it is delivered again', () => {
    const t = new OffsetTracker();
    t.delivered(0, '7');
    t.nack(0, '7');
    t.ack(0, '7');
    t.nack(0, '7');
    expect(t.committable(0)).toBe('7');
    expect(t.delivered(0, '7'), 'one nack counted').toBe(2);
    t.ack(0, '7');
    expect(t.committable(0)).toBe('8');
  });

  it('a delivery of an offset still out is a redelivery in place; of an acked pending one a re-read from there', () => {
    const t = new OffsetTracker();
    for (const o of [4, 5, 6]) t.delivered(0, String(o));
    t.delivered(0, '5');
    expect(t.unacked(0), 'nothing dropped').toEqual(['4', '5', '6']);
    t.ack(0, '5');
    t.delivered(0, '5');
    expect(t.unacked(0), 're-read from 5: 6 is forgotten').toEqual(['4', '5']);
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
    expect(t.pending(0)).toBe(1);
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

  it('treats one offset given as a bigint, a string or a string with leading zeros as the same offset', () => {
    const t = new OffsetTracker();
    t.received(0, 5n);
    t.received(0, '6');
    expect(t.delivered(0, '5')).toBe(1);
    expect(t.delivered(0, 6n)).toBe(1);
    t.nack(0, '006');
    expect(t.unacked(0)).toEqual(['5', '6']);
    expect(t.delivered(0, '6'), 'the nack counted for 6').toBe(2);
    t.ack(0, '05');
    t.ack(0, 6n);
    expect(t.committable(0)).toBe('7');
    expect(() => t.received(0, 'x7')).toThrow(SyntaxError);
  });

  it('handles offsets beyond 2^53 exactly', () => {
    const t = new OffsetTracker();
    t.delivered(0, '9007199254740993');
    t.ack(0, '9007199254740993');
    expect(t.committable(0)).toBe('9007199254740994');
  });

  it('holds the contiguous rule under out-of-order deliveries, acks, nacks and redeliveries', () => {
    const t = new OffsetTracker();
    const n = 2_000;
    let seed = 7;
    const rand = (m: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % m;
    };
    const waiting: number[] = []; // received, not delivered
    const out: number[] = [];
    const held: number[] = []; // nacked, awaiting redelivery
    const acked = new Set<number>();
    const attempts = new Map<number, number>();
    let received = 0;
    while (acked.size < n) {
      while (received < n && waiting.length + out.length + held.length < 64) {
        t.received(1, String(received));
        waiting.push(received++);
      }
      const step = rand(3);
      if (step === 0 && waiting.length > 0) {
        const [w] = waiting.splice(rand(waiting.length), 1);
        expect(t.delivered(1, String(w))).toBe(1);
        attempts.set(w!, 1);
        out.push(w!);
      } else if (step === 1 && held.length > 0) {
        const [h] = held.splice(rand(held.length), 1);
        const again = t.delivered(1, String(h));
        expect(again).toBe(attempts.get(h!)! + 1);
        attempts.set(h!, again);
        out.push(h!);
      } else if (out.length > 0) {
        const [o] = out.splice(rand(out.length), 1);
        if (rand(5) === 0) {
          t.nack(1, String(o));
          held.push(o!);
        } else {
          t.ack(1, String(o));
          acked.add(o!);
        }
      }
      let contiguous = 0;
      while (acked.has(contiguous)) contiguous++;
      expect(t.committable(1)).toBe(String(contiguous));
      expect(t.pending(1)).toBe(received - contiguous);
    }
    expect(t.pending(1)).toBe(0);
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
