import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { createMessage } from '../message.js';
import { type DeliveryInit, DeliveryTracker } from './delivery-tracker.js';

function init(log: string[], name = 'm'): DeliveryInit {
  return {
    message: createMessage({ id: name, body: name }),
    attempt: 1,
    source: { address: 't' },
    ack: () => {
      log.push(`ack ${name}`);
    },
    nack: (o) => {
      log.push(`nack ${name} ${o.requeue} ${o.delayMs}`);
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DeliveryTracker', () => {
  it('rejects a bad maxInFlight with a ConfigError', () => {
    expect(() => new DeliveryTracker({ maxInFlight: 0 })).toThrow(ConfigError);
  });

  it('counts a delivery in flight until it is settled, not until the handler returns', async () => {
    const t = new DeliveryTracker({ maxInFlight: 2 });
    const log: string[] = [];
    const d = t.dispatch(() => undefined, init(log));
    await tick();
    expect(t.inFlight).toBe(1);
    expect(t.freeSlots).toBe(1);
    await d.ack();
    expect(t.inFlight).toBe(0);
    expect(log).toEqual(['ack m']);
  });

  it('settles through ack and nack taken off the delivery (they stay bound)', async () => {
    const t = new DeliveryTracker({ maxInFlight: 2 });
    const log: string[] = [];
    const { ack } = t.dispatch(() => undefined, init(log, 'a'));
    const { nack } = t.dispatch(() => undefined, init(log, 'b'));
    await Promise.all([ack(), nack({ delayMs: -5 })]);
    expect(log).toEqual(['ack a', 'nack b true 0']);
    expect(t.inFlight).toBe(0);
  });

  it('lets only the first settle through', async () => {
    const t = new DeliveryTracker({ maxInFlight: 1 });
    const log: string[] = [];
    const d = t.dispatch(() => undefined, init(log));
    const first = d.ack();
    expect(d.settled).toBe(true);
    expect(d.nack()).toBe(first);
    expect(d.ack()).toBe(first);
    await first;
    expect(log).toEqual(['ack m']);
    expect(t.inFlight).toBe(0);
  });

  it('nacks with requeue when the handler throws or rejects', async () => {
    const errors: unknown[] = [];
    const t = new DeliveryTracker({ maxInFlight: 4, onHandlerError: (e) => errors.push(e) });
    const log: string[] = [];
    t.dispatch(
      () => {
        throw new Error('sync');
      },
      init(log, 'a'),
    );
    t.dispatch(
      async () => {
        throw new Error('async');
      },
      init(log, 'b'),
    );
    await tick();
    expect(log).toEqual(['nack a true 0', 'nack b true 0']);
    expect(errors).toHaveLength(2);
    expect(t.inFlight).toBe(0);
  });

  it('wakes slot waiters as deliveries settle and calls onReleased', async () => {
    let released = 0;
    const t = new DeliveryTracker({ maxInFlight: 1, onReleased: () => released++ });
    const d = t.dispatch(() => undefined, init([]));
    let woke: boolean | undefined;
    void t.waitForSlot().then((ok) => {
      woke = ok;
    });
    await tick();
    expect(woke).toBeUndefined();
    await d.ack();
    await tick();
    expect(woke).toBe(true);
    expect(released).toBe(1);
  });

  it('drain resolves when in-flight deliveries settle and stops intake', async () => {
    const t = new DeliveryTracker({ maxInFlight: 2 });
    const d = t.dispatch(() => undefined, init([]));
    const drained = t.drain(10_000);
    expect(await t.waitForSlot()).toBe(false);
    await d.ack();
    expect(await drained).toBe(true);
  });

  it('drain gives up after the timeout and abandons what is left', async () => {
    const t = new DeliveryTracker({ maxInFlight: 2 });
    const log: string[] = [];
    const d = t.dispatch(() => undefined, init(log));
    expect(await t.drain(10)).toBe(false);
    await d.ack();
    expect(log).toEqual([]);
  });

  it('wraps a failing native settle into a PolybusError and still frees the slot', async () => {
    const t = new DeliveryTracker({ maxInFlight: 1 });
    const d = t.dispatch(() => undefined, {
      ...init([]),
      ack: () => {
        throw new Error('channel closed');
      },
    });
    await expect(d.ack()).rejects.toMatchObject({
      code: 'BROKER_ERROR',
      message: 'ack failed: channel closed',
    });
    expect(t.inFlight).toBe(0);
  });
});
