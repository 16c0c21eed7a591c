import { ClosedError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { ProducerSlot, type SlotProducer } from './producer-slot.js';

class FakeProducer implements SlotProducer {
  connects = 0;
  disconnects = 0;
  constructor(
    readonly id: number,
    private readonly failConnect = false,
  ) {}
  async connect(): Promise<void> {
    this.connects++;
    if (this.failConnect) throw new Error(`connect ${this.id} refused`);
  }
  async disconnect(): Promise<void> {
    this.disconnects++;
  }
}

function slotOf(failing: ReadonlySet<number> = new Set()): {
  slot: ProducerSlot<FakeProducer>;
  made: FakeProducer[];
} {
  const made: FakeProducer[] = [];
  const slot = new ProducerSlot(() => {
    const producer = new FakeProducer(made.length + 1, failing.has(made.length + 1));
    made.push(producer);
    return producer;
  });
  return { slot, made };
}

describe('ProducerSlot', () => {
  it('connects one producer on first use and shares it between concurrent callers', async () => {
    const { slot, made } = slotOf();
    const [a, b] = await Promise.all([slot.acquire(), slot.acquire()]);
    expect(a).toBe(b);
    expect(made).toHaveLength(1);
    expect(made[0]?.connects).toBe(1);
    expect(await slot.acquire()).toBe(a);
  });

  it('renew replaces the producer: the next acquire connects a new one, the old one is disconnected', async () => {
    const { slot, made } = slotOf();
    const first = await slot.acquire();
    slot.renew(first);
    const second = await slot.acquire();
    expect(made).toHaveLength(2);
    expect(second).not.toBe(first);
    expect(second.id).toBe(2);
    expect(first.disconnects).toBe(1);
    expect(slot.renewals).toBe(1);
  });

  it('renewing a producer that was already replaced does nothing (concurrent failures renew once)', async () => {
    const { slot, made } = slotOf();
    const first = await slot.acquire();
    slot.renew(first);
    slot.renew(first);
    const second = await slot.acquire();
    slot.renew(first);
    expect(await slot.acquire()).toBe(second);
    expect(made).toHaveLength(2);
    expect(slot.renewals).toBe(1);
    expect(first.disconnects).toBe(1);
  });

  it('a failed connect rejects, and the next acquire tries again with a new producer', async () => {
    const { slot, made } = slotOf(new Set([1]));
    await expect(slot.acquire()).rejects.toThrow('connect 1 refused');
    const next = await slot.acquire();
    expect(next.id).toBe(2);
    expect(made[0]?.disconnects).toBe(1);
  });

  it('close disconnects the current producer; acquire then rejects with ClosedError; close twice is safe', async () => {
    const { slot, made } = slotOf();
    await slot.acquire();
    await slot.close();
    await slot.close();
    expect(made[0]?.disconnects).toBe(1);
    await expect(slot.acquire()).rejects.toBeInstanceOf(ClosedError);
    slot.renew(made[0] as FakeProducer);
    expect(slot.renewals).toBe(0);
  });

  it('close before first use connects nothing', async () => {
    const { slot, made } = slotOf();
    await slot.close();
    expect(made).toHaveLength(0);
  });
});
