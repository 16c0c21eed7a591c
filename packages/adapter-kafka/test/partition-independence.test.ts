import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { bodyText, createTopic, KAFKA_HOST, KAFKA_PORT, kafkaSuite, nackOnceHandler } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

const PARTITIONS = 4;

/** A key that the producer's partitioner (murmur2, as the transport uses) puts on `partition`. */
function keyFor(partition: number, prefix: string): string {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    if (partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }) === partition)
      return key;
  }
}

const text = bodyText;

describe.runIf(up)('kafka partitions progress independently', () => {
  const { admin, transport } = kafkaSuite();
  const keyA = keyFor(0, 'a');
  const keyB = keyFor(1, 'b');

  it('an unsettled delivery of one partition does not hold back a later message of another; its own partition waits', async () => {
    const topic = await createTopic(admin, uniqueName('indep-held'), PARTITIONS);
    const t = await transport();
    const got = new Collector();
    let held: Delivery | undefined;
    const sub = await t.subscribe(
      topic,
      async (d) => {
        got.push(d);
        if (text(d) === 'a-1') {
          held = d; // never settled by the handler
          return;
        }
        await d.ack();
      },
      { group: uniqueName('g-indep-held'), maxInFlight: 4 },
    );
    // More records behind the held one than a partition buffers: its fetching pauses and resumes.
    const behind = Array.from({ length: 200 }, (_, i) => `a-${i + 2}`);
    await t.publish(topic, [
      createMessage({ key: keyA, body: 'a-1' }),
      ...behind.map((body) => createMessage({ key: keyA, body })),
    ]);
    await got.waitFor(1, 15_000);
    expect(got.deliveries.map(text)).toEqual(['a-1']);
    expect(got.deliveries[0]!.source.partition).toBe(0);

    // Published after the held delivery: must arrive promptly, from the other partition.
    const publishedAt = Date.now();
    await t.publish(topic, [createMessage({ key: keyB, body: 'b-1' })]);
    await got.waitFor(2, 5_000, 'b-1 while a-1 is unsettled');
    const latency = Date.now() - publishedAt;
    expect(got.deliveries.map(text)).toEqual(['a-1', 'b-1']);
    expect(got.deliveries[1]!.source.partition).toBe(1);
    expect(latency).toBeLessThan(5_000);
    console.log(`partition independence: b-1 delivered ${latency} ms after publish while a-1 was unsettled`);

    // Partition order: nothing behind a-1 is delivered while it is unsettled; all of it, in order,
    // once it is acked.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(got.deliveries.map(text)).toEqual(['a-1', 'b-1']);
    await held!.ack();
    await got.waitFor(2 + behind.length, 15_000, 'the records behind a-1 after it was acked');
    expect(got.deliveries.map(text)).toEqual(['a-1', 'b-1', ...behind]);
    expect(new Set(got.deliveries.map((d) => d.attempt))).toEqual(new Set([1]));
    await sub.close({ timeoutMs: 2_000 });
  }, 40_000);

  it('a nack with a long delay on one partition does not delay another; the nacked message comes back after the delay', async () => {
    const topic = await createTopic(admin, uniqueName('indep-nack'), PARTITIONS);
    const t = await transport();
    const got = new Collector();
    const at = new Map<string, number>();
    const NACK_DELAY = 6_000;
    const sub = await t.subscribe(topic, nackOnceHandler(got, at, 'a-1', NACK_DELAY), {
      group: uniqueName('g-indep-nack'),
      maxInFlight: 4,
    });
    await t.publish(topic, [
      createMessage({ key: keyA, body: 'a-1' }),
      createMessage({ key: keyA, body: 'a-2' }),
    ]);
    await got.waitFor(1, 15_000);
    const nackedAt = at.get('a-1#1')!;
    // Give the nack time to start its back-off before publishing to the other partition.
    await new Promise((r) => setTimeout(r, 300));
    const publishedAt = Date.now();
    await t.publish(topic, [createMessage({ key: keyB, body: 'b-1' })]);
    await got.waitFor(2, 3_000, 'b-1 during the nack delay of a-1');
    expect(got.deliveries.map(text)).toEqual(['a-1', 'b-1']);
    expect(at.get('b-1#1')! - publishedAt).toBeLessThan(3_000);
    console.log(
      `partition independence: b-1 delivered ${at.get('b-1#1')! - publishedAt} ms after publish during a ${NACK_DELAY} ms nack delay`,
    );

    // a-1 comes back with attempt 2 after the delay, and a-2 only after it (partition order).
    await got.waitFor(4, NACK_DELAY + 10_000, 'a-1 again, then a-2');
    expect(got.deliveries.map((d) => `${text(d)}#${d.attempt}`)).toEqual([
      'a-1#1',
      'b-1#1',
      'a-1#2',
      'a-2#1',
    ]);
    expect(at.get('a-1#2')! - nackedAt).toBeGreaterThanOrEqual(NACK_DELAY - 50);
    console.log(`partition independence: a-1 redelivered ${at.get('a-1#2')! - nackedAt} ms after its nack`);
    await sub.close({ timeoutMs: 2_000 });
  }, 40_000);
});
