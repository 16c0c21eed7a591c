import { createMessage, type Delivery } from '@polybus/core';
import { Collector, deferred, requireBroker, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { transportTracker } from './helpers.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);

const transports = transportTracker();
const transport = transports.open;

/**
 * Acks go out once per turn as `basic.ack multiple` over runs of settled tags (AckCoalescer). On the
 * real broker: settling out of order, with nacks and one message never settled, must leave exactly
 * that message unacked — an ack multiple that covered it would lose it, a lost ack would bring back
 * one already handled.
 */
describe.runIf(up)('amqp acks coalesced per turn', () => {
  afterEach(() => transports.closeAll());

  it('out-of-order acks, nacks and one held message: only the held one comes back', async () => {
    const address = uniqueName('coalesce');
    const group = uniqueName('g');
    const t1 = await transport();
    const count = 300;
    const sent = Array.from({ length: count }, (_, i) => createMessage({ id: `m-${i}`, body: `${i}` }));
    const heldId = 'm-7';
    const dropped = new Set(sent.filter((_, i) => i % 10 === 3).map((m) => m.id));
    let settled = 0;
    const allButHeld = deferred();
    const waiting: Delivery[] = [];
    const settle = async (d: Delivery): Promise<void> => {
      if (dropped.has(d.message.id)) await d.nack({ requeue: false });
      else await d.ack();
      if (++settled === count - 1) allButHeld.resolve();
    };
    let received = 0;
    await t1.subscribe(
      address,
      (d) => {
        if (d.message.id === heldId) return; // never settled
        // Settled later, eight at a time and in reverse order of arrival: tags finish out of order.
        waiting.push(d);
        received++;
        if (waiting.length === 8 || received === count - 1) {
          for (const w of waiting.splice(0).reverse()) void settle(w);
        }
      },
      { group, maxInFlight: 64 },
    );
    await t1.publish(address, sent);
    await allButHeld.promise;
    // The held handler never returns: close gives up on it and the broker requeues its message.
    await t1.close({ timeoutMs: 100 });

    const t2 = await transport();
    const next = new Collector();
    await t2.subscribe(
      address,
      (d) => {
        next.push(d);
        return d.ack();
      },
      { group },
    );
    // A marker published after the requeue: once it arrives, anything else requeued has arrived too.
    await t2.publish(address, [createMessage({ id: 'marker', body: 'marker' })]);
    await next.waitFor(2, 10_000, 'the held message and the marker');
    await new Promise((resolve) => setImmediate(resolve));
    expect(next.ids().sort()).toEqual([heldId, 'marker']);
    const held = next.deliveries.find((d) => d.message.id === heldId);
    expect(held?.attempt).toBe(2);
  });
});
