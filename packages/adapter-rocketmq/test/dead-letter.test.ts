import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ROCKETMQ_HOST,
  ROCKETMQ_NAMESRV,
  ROCKETMQ_PROXY_PORT,
  rocketmqTool,
  rocketmqTransport,
  TopicPool,
} from './rocketmq-test-env.js';

const up = await requireBroker('rocketmq', ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT);

interface JavaMessage {
  topic: string;
  keys: string | null;
  body: string;
  properties: Record<string, string>;
}

/** Asks the broker's key index (RocketMQ's admin API) until the key shows up in `topic`. */
async function findByKey(topic: string, key: string, timeoutMs: number): Promise<JavaMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await rocketmqTool(['query-key', ROCKETMQ_NAMESRV, topic, key]).catch(() => '');
    const found = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as JavaMessage);
    if (found.length > 0 || Date.now() > deadline) return found;
  }
}

const groupName = () => uniqueName('gdlq').replace(/[^\w-]/g, '_');

describe.runIf(up)('rocketmq dead-lettering', () => {
  const pool = new TopicPool(2);
  const transport = rocketmqTransport();
  afterAll(() => transport.close({ timeoutMs: 2_000 }));

  it("moves a message to %DLQ%<group> after the group's maximum deliveries, and stops redelivering it", {
    timeout: 240_000,
  }, async () => {
    await transport.connect();
    const topic = await pool.topic();
    const group = groupName();
    await rocketmqTool(['subgroup', ROCKETMQ_NAMESRV, group, '1']); // retryMaxTimes 1: two deliveries
    const collector = new Collector();
    const subscription = await transport.subscribe(
      topic,
      async (d: Delivery) => {
        collector.push(d);
        await d.nack();
      },
      { group },
    );
    const key = uniqueName('dlq-key').replace(/[^\w-]/g, '_');
    const sent = createMessage({ body: 'poison', key, headers: { 'x-why': 'test' } });
    await transport.publish(topic, [sent]);

    const found = await findByKey(`%DLQ%${group}`, key, 90_000);
    expect(found).toHaveLength(1);
    expect(Buffer.from(found[0]!.body, 'base64').toString()).toBe('poison');
    expect(found[0]!.properties['message-id']).toBe(sent.id);
    expect(found[0]!.properties['x-why']).toBe('test');
    expect(collector.deliveries.map((d) => d.attempt)).toEqual([1, 2]);
    await subscription.close();
  });

  it('nack({ requeue: false }) moves the message to %DLQ%<group> at once; it is not redelivered', {
    timeout: 240_000,
  }, async () => {
    // the shortest lease the proxy allows: a message that was not really settled would be back within it
    const leaseMs = 10_000;
    const t = rocketmqTransport({ invisibleDurationMs: leaseMs });
    await t.connect();
    const topic = await pool.topic();
    const group = groupName();
    const collector = new Collector();
    const subscription = await t.subscribe(
      topic,
      async (d: Delivery) => {
        collector.push(d);
        if (Buffer.from(d.message.body).toString() === 'poison') await d.nack({ requeue: false });
        else await d.ack();
      },
      { group },
    );
    const key = uniqueName('drop-key').replace(/[^\w-]/g, '_');
    const sent = createMessage({ body: 'poison', key });
    await t.publish(topic, [sent]);
    await collector.waitFor(1, 60_000);
    const nackedAt = Date.now();

    const found = await findByKey(`%DLQ%${group}`, key, 90_000);
    expect(found).toHaveLength(1);
    expect(found[0]!.properties['message-id']).toBe(sent.id);
    // Absence cannot be awaited: outlast the lease once, then a marker must be the only next delivery.
    await new Promise((r) => setTimeout(r, Math.max(0, nackedAt + leaseMs + 2_000 - Date.now())));
    await t.publish(topic, [createMessage({ body: 'marker' })]);
    await collector.waitFor(2, 60_000);
    expect(collector.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual([
      'poison',
      'marker',
    ]);
    await subscription.close();
    await t.close({ timeoutMs: 2_000 });
  });
});
