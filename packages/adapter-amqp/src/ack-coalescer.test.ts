import { describe, expect, it } from 'vitest';
import { AckCoalescer } from './ack-coalescer.js';

function coalescer(): { acks: Array<[number, boolean]>; c: AckCoalescer } {
  const acks: Array<[number, boolean]> = [];
  return { acks, c: new AckCoalescer((tag, multiple) => acks.push([tag, multiple])) };
}

describe('AckCoalescer', () => {
  it('acks a run of settled tags with one ack multiple', () => {
    const { acks, c } = coalescer();
    for (const tag of [3, 1, 2, 4]) c.ack(tag);
    c.flush();
    expect(acks).toEqual([[4, true]]);
    expect(c.pending).toBe(0);
  });

  it('never covers an unsettled tag: beyond a gap, acks go singly at once', () => {
    const { acks, c } = coalescer();
    for (const tag of [1, 2, 4, 5]) c.ack(tag);
    c.flush();
    expect(acks).toEqual([
      [2, true],
      [4, false],
      [5, false],
    ]);
    acks.length = 0;
    // 3 settles later: the run passes over 4 and 5 (already acked) and continues with 6.
    c.ack(3);
    c.ack(6);
    c.flush();
    expect(acks).toEqual([[6, true]]);
  });

  it('passes over tags the caller nacked itself, without acking them', () => {
    const { acks, c } = coalescer();
    c.ack(1);
    c.settled(2);
    c.ack(3);
    c.flush();
    expect(acks).toEqual([[3, true]]);
  });

  it('a run that ends in nacked tags acks up to its last acked one', () => {
    const { acks, c } = coalescer();
    c.ack(1);
    c.settled(2);
    c.flush();
    expect(acks).toEqual([[1, true]]);
    acks.length = 0;
    c.ack(3);
    c.flush();
    expect(acks).toEqual([[3, true]]);
  });

  it('sends nothing when nothing was acked, and ignores a second ack of a tag', () => {
    const { acks, c } = coalescer();
    c.flush();
    c.settled(1);
    c.flush();
    expect(acks).toEqual([]);
    c.ack(2);
    c.ack(2);
    c.flush();
    c.ack(2);
    c.flush();
    expect(acks).toEqual([[2, true]]);
  });

  it('a tag never settled (left unacked while closing) stops the run for good; later acks are single', () => {
    const { acks, c } = coalescer();
    c.ack(2);
    c.ack(3);
    c.flush();
    c.ack(4);
    c.flush();
    expect(acks).toEqual([
      [2, false],
      [3, false],
      [4, false],
    ]);
  });

  it('every tag is acked exactly once across many out-of-order turns', () => {
    const { acks, c } = coalescer();
    const order = Array.from({ length: 1000 }, (_, i) => i + 1);
    // A fixed shuffle: tags settle out of order within windows of 16.
    for (let i = 0; i < order.length; i += 16) order.splice(i, 16, ...order.slice(i, i + 16).reverse());
    let sent = 0;
    for (let i = 0; i < order.length; i++) {
      c.ack(order[i] as number);
      if (i % 7 === 6) c.flush();
    }
    c.flush();
    const covered = new Set<number>();
    let floor = 0;
    for (const [tag, multiple] of acks) {
      sent++;
      if (multiple) {
        for (let t = floor + 1; t <= tag; t++) covered.add(t);
        floor = Math.max(floor, tag);
      } else {
        expect(covered.has(tag)).toBe(false);
        covered.add(tag);
      }
    }
    expect(covered.size).toBe(1000);
    expect(sent).toBeLessThan(1000);
  });
});
