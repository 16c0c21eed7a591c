import { createMessage, MessageTooLargeError } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { KAFKA_HOST, KAFKA_PORT, kafkaSuite } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

describe.runIf(up)('kafka produce coalescing', () => {
  const { admin, transport } = kafkaSuite();

  it('concurrent publishes share requests; a record the broker refuses fails only its own call', async () => {
    // The topic takes at most 10 kB per record batch; our limit is far above, so the broker refuses.
    const topic = uniqueName('coalesce');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: '10000' }],
        },
      ],
    });
    const t = await transport();
    await t.publish(topic, [createMessage({ id: 'warm', body: 'warm' })]);
    // Started together: the first goes at once, the others wait for it and then share one request,
    // which the broker refuses (too large); each call is then sent alone.
    const calls = [
      t.publish(topic, [createMessage({ id: 'a', body: 'a' })]),
      t.publish(topic, [createMessage({ id: 'b', body: 'b' })]),
      t.publish(topic, [createMessage({ id: 'big', body: new Uint8Array(50_000) })]),
      t.publish(topic, [createMessage({ id: 'c', body: 'c' }), createMessage({ id: 'd', body: 'd' })]),
    ];
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const refused = (outcomes[2] as PromiseRejectedResult).reason;
    expect(refused, String(refused)).toBeInstanceOf(MessageTooLargeError);
    expect(t.health().state).toBe('up');
    // Exactly warm, a, b, c and d were stored.
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]?.high).toBe('5');
  });
});
