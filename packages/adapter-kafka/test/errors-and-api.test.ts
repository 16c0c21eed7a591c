import {
  AddressError,
  ClosedError,
  connect,
  createMessage,
  MessageTooLargeError,
  NotConnectedError,
} from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { kafkaAdapter } from '../src/index.js';
import { createTopic, KAFKA_HOST, KAFKA_PORT, KAFKA_URL, kafkaSuite } from './helpers.js';

const up = await requireBroker('kafka', KAFKA_HOST, KAFKA_PORT);

describe.runIf(up)('kafka typed errors and API edges', () => {
  const { admin, transport } = kafkaSuite();

  it('an unknown topic is a non-retriable AddressError when auto-create is off, and is not created', async () => {
    const t = await transport({ overrides: { autoCreateTopics: false } });
    const topic = uniqueName('missing');
    const pub = await t.publish(topic, [createMessage({ body: 'x' })]).catch((e: unknown) => e);
    expect(pub).toBeInstanceOf(AddressError);
    expect((pub as AddressError).retriable).toBe(false);
    const sub = await t
      .subscribe(topic, () => undefined, { group: uniqueName('g') })
      .catch((e: unknown) => e);
    expect(sub).toBeInstanceOf(AddressError);
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('auto-creates a missing topic with the configured partitions', async () => {
    const t = await transport({ overrides: { topicPartitions: 4 } });
    const topic = uniqueName('autocreate');
    await t.publish(topic, [createMessage({ body: 'x' })]);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions.length).toBe(4);
  });

  it('rejects invalid topic names with AddressError', async () => {
    const t = await transport();
    for (const bad of ['has space', '', 'ü', '..', 'x'.repeat(250)]) {
      await expect(t.publish(bad, [createMessage({ body: 'x' })])).rejects.toBeInstanceOf(AddressError);
    }
  });

  it('a body over maxMessageBytes is refused before sending; one the broker refuses maps to MessageTooLargeError', async () => {
    const t = await transport();
    const topic = await createTopic(admin, uniqueName('large'), 1);
    const local = await t
      .publish(topic, [createMessage({ body: new Uint8Array(1_000_001) })])
      .catch((e: unknown) => e);
    expect(local).toBeInstanceOf(MessageTooLargeError);
    // Raise our limit above the broker's message.max.bytes (1048588): now the broker refuses it.
    const loose = await transport({ overrides: { maxMessageBytes: 4 * 1024 * 1024 } });
    const broker = await loose
      .publish(topic, [createMessage({ body: new Uint8Array(2 * 1024 * 1024) })])
      .catch((e: unknown) => e);
    expect(broker, String(broker)).toBeInstanceOf(MessageTooLargeError);
    expect((broker as MessageTooLargeError).retriable).toBe(false);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]!.high).toBe('0');
  });

  it('publish before connect and after close fail with typed errors; health follows', async () => {
    const t = await transport({ connect: false });
    expect(t.health().state).toBe('down');
    await expect(t.publish('x', [createMessage({ body: 'x' })])).rejects.toBeInstanceOf(NotConnectedError);
    await t.connect();
    await t.connect();
    expect(t.health().state).toBe('up');
    await t.close();
    await t.close();
    expect(t.health().state).toBe('closed');
    await expect(t.publish('x', [createMessage({ body: 'x' })])).rejects.toBeInstanceOf(ClosedError);
  });

  it("a new group with from: 'earliest' replays retained messages; 'latest' does not", async () => {
    const t = await transport();
    const topic = await createTopic(admin, uniqueName('replay'), 3);
    const old = Array.from({ length: 5 }, (_, i) => createMessage({ body: `old-${i}`, key: `k${i}` }));
    await t.publish(topic, old);
    const early = new Collector();
    const late = new Collector();
    await t.subscribe(
      topic,
      async (d) => {
        early.push(d);
        await d.ack();
      },
      { group: uniqueName('g-early'), from: 'earliest' },
    );
    await t.subscribe(
      topic,
      async (d) => {
        late.push(d);
        await d.ack();
      },
      { group: uniqueName('g-late') },
    );
    const fresh = createMessage({ body: 'new' });
    await t.publish(topic, [fresh]);
    await early.waitFor(6, 30_000);
    await late.waitFor(1, 30_000);
    expect(new Set(early.ids())).toEqual(new Set([...old.map((m) => m.id), fresh.id]));
    await new Promise((r) => setTimeout(r, 500));
    expect(late.ids()).toEqual([fresh.id]);
  });

  it('works through connect() with the adapter descriptor', async () => {
    const bus = await connect(KAFKA_URL, {
      adapters: [kafkaAdapter],
      options: { clientId: 'polybus-bus-test', heartbeatIntervalMs: 500 },
    });
    try {
      const topic = uniqueName('bus');
      const got = new Collector();
      await bus.subscribe(topic, (d) => void got.push(d), { group: uniqueName('g-bus') });
      const [sent] = await bus.publish(topic, {
        body: 'via bus',
        key: 'k',
        headers: { 'content-type': 'text/plain' },
      });
      await got.waitFor(1, 30_000);
      expect(got.deliveries[0]!.message.id).toBe(sent!.id);
      expect(got.deliveries[0]!.message.headers['content-type']).toBe('text/plain');
      expect(bus.capabilities.orderedPerKey).toBe(true);
    } finally {
      await bus.close();
    }
  });
});
