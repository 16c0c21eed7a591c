import { createMessage, type Delivery, type Message } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT, rocketmqTransport, TopicPool } from './rocketmq-test-env.js';

const up = await requireBroker('rocketmq', ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT);

/**
 * Publishes `messages` to a fresh topic, hands each delivery of a fresh group to `settle` and resolves
 * with the first `count` deliveries once they arrived (transport closed).
 */
async function deliveriesOf(
  messages: readonly Message[],
  count: number,
  settle: (d: Delivery) => Promise<void>,
): Promise<Delivery[]> {
  const transport = rocketmqTransport();
  await transport.connect();
  const topic = await new TopicPool(1).topic();
  const deliveries = new Collector();
  const sub = await transport.subscribe(
    topic,
    async (d: Delivery) => {
      deliveries.push(d);
      await settle(d);
    },
    { group: uniqueName('gpos').replace(/[^\w-]/g, '_') },
  );
  await transport.publish(topic, messages);
  await deliveries.waitFor(count, 90_000);
  await sub.close();
  await transport.close();
  return deliveries.deliveries.slice(0, count);
}

describe.runIf(up)('rocketmq delivery position', () => {
  it('names the message queue in partition: (queue, offset) is unique and each queue counts 0, 1, 2…', {
    timeout: 120_000,
  }, async () => {
    const count = 60;
    const sent = Array.from({ length: count }, (_, i) => createMessage({ body: `m${i}`, key: `k${i}` }));
    const deliveries = await deliveriesOf(sent, count, (d) => d.ack());
    const positions = deliveries.map((d) => [d.source.partition, d.source.offset] as const);
    expect(positions.every(([p, o]) => Number.isInteger(p) && o !== undefined)).toBe(true);
    expect(new Set(positions.map(([p, o]) => `${p}:${o}`)).size).toBe(count);
    const perQueue = new Map<number, number[]>();
    for (const [p, o] of positions) perQueue.set(p!, [...(perQueue.get(p!) ?? []), Number(o)]);
    // createTopics makes 4 queues; the producer spreads messages over them
    expect(perQueue.size).toBeGreaterThan(1);
    expect([...perQueue.keys()].every((q) => q >= 0 && q < 4)).toBe(true);
    for (const offsets of perQueue.values()) {
      expect(offsets.sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i));
    }
  });

  it('gives a redelivery from the group retry topic no partition or offset (they would name the retry queue)', {
    timeout: 120_000,
  }, async () => {
    const sent = createMessage({ body: 'again' });
    const [first, second] = await deliveriesOf([sent], 2, (d) =>
      d.attempt === 1 ? d.nack({ delayMs: 0 }) : d.ack(),
    );
    expect(first!.message.id).toBe(sent.id);
    expect(Number.isInteger(first!.source.partition)).toBe(true);
    expect(first!.source.offset).toBe('0');
    expect([second!.message.id, second!.attempt]).toEqual([sent.id, 2]);
    expect([second!.source.partition, second!.source.offset]).toEqual([undefined, undefined]);
  });
});
