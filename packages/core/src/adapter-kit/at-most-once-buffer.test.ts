import { describe, expect, it } from 'vitest';
import { createMessage } from '../message.js';
import type { Delivery } from '../transport.js';
import { AtMostOnceBuffer } from './at-most-once-buffer.js';

function buffer(capacity: number, maxInFlight: number) {
  const got: Delivery[] = [];
  const overflows: number[] = [];
  const b = new AtMostOnceBuffer<string>({
    maxInFlight,
    capacity,
    handler: (d) => {
      got.push(d);
    },
    toDelivery: (body) => ({ message: createMessage({ id: body, body }), source: { address: 'a' } }),
    onOverflow: (n) => overflows.push(n),
  });
  return { b, got, overflows };
}

describe('AtMostOnceBuffer', () => {
  it('dispatches only as many as there are free slots, then more as deliveries settle', async () => {
    const { b, got } = buffer(10, 2);
    for (const s of ['1', '2', '3', '4']) b.push(s);
    expect(got.map((d) => d.message.id)).toEqual(['1', '2']);
    expect(b.waiting).toBe(2);
    await got[0]!.ack();
    expect(got.map((d) => d.message.id)).toEqual(['1', '2', '3']);
    await got[1]!.nack();
    expect(got.map((d) => d.message.id)).toEqual(['1', '2', '3', '4']);
    expect(got.every((d) => d.attempt === 1)).toBe(true);
  });

  it('drops the oldest waiting item when full and reports overflow once per 1000 drops', () => {
    const { b, got, overflows } = buffer(2, 1);
    for (let i = 0; i < 1005; i++) b.push(String(i));
    expect(got.map((d) => d.message.id)).toEqual(['0']);
    expect(b.waiting).toBe(2);
    expect(b.dropped).toBe(1002);
    expect(overflows).toEqual([1, 1001]);
  });

  it('ignores pushes once the tracker drains, and clear() empties the buffer', async () => {
    const { b, got } = buffer(10, 1);
    b.push('1');
    b.push('2');
    const drained = b.tracker.drain(1000);
    b.push('3');
    b.clear();
    await got[0]!.ack();
    expect(await drained).toBe(true);
    expect(got.map((d) => d.message.id)).toEqual(['1']);
    expect(b.waiting).toBe(0);
  });
});
