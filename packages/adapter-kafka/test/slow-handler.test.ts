import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '../src/index.js';
import { createTestTransport, createTopic, KAFKA_HOST, KAFKA_PORT, rawAdmin } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

describe.runIf(up)('kafka slow handlers', () => {
  const open: KafkaTransport[] = [];
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close({ timeoutMs: 1_000 })));
  });

  it('a handler running longer than the session timeout keeps its membership (heartbeats continue)', async () => {
    const admin = rawAdmin();
    await admin.connect();
    const topic = await createTopic(admin, uniqueName('slow'), 1);
    await admin.disconnect();
    // 6 s is the broker's minimum session timeout; the handler holds its delivery for 9 s.
    const t = createTestTransport(undefined, { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 });
    open.push(t);
    await t.connect();
    const collector = new Collector();
    await t.subscribe(
      topic,
      async (d: Delivery) => {
        collector.push(d);
        if (Buffer.from(d.message.body).toString() === 'slow') await new Promise((r) => setTimeout(r, 9_000));
        await d.ack();
      },
      { group: uniqueName('g-slow') },
    );
    await t.publish(topic, [createMessage({ body: 'slow' }), createMessage({ body: 'next' })]);
    await collector.waitFor(2, 30_000);
    // Had the member been dropped, 'slow' would come again (attempt 2) after the rejoin.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(collector.deliveries.map((d) => [Buffer.from(d.message.body).toString(), d.attempt])).toEqual([
      ['slow', 1],
      ['next', 1],
    ]);
  }, 60_000);
});
