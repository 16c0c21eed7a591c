import { createMessage, type Delivery } from '@polybus/core';
import { Collector, uniqueName } from '@polybus/core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Amqp1Transport } from '../src/index.js';
import { artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

const up = await requireArtemis();

describe.runIf(up)('groups are durable shared subscriptions on Artemis', () => {
  const open: Amqp1Transport[] = [];
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close({ timeoutMs: 1_000 })));
  });
  async function transport(): Promise<Amqp1Transport> {
    const t = artemisTransport();
    open.push(t);
    await t.connect();
    return t;
  }
  const acking = (c: Collector) => async (d: Delivery) => {
    c.push(d);
    await d.ack();
  };

  it('a group keeps what is published while none of its members is attached', async () => {
    const t = await transport();
    const topic = janitor.name(uniqueName('pb.durable'));
    const group = uniqueName('g');
    const first = new Collector();
    const sub = await t.subscribe(topic, acking(first), { group });
    await sub.close();
    const sent = Array.from({ length: 5 }, (_, i) => createMessage({ body: `kept-${i}` }));
    await t.publish(topic, sent);
    const later = new Collector();
    await t.subscribe(topic, acking(later), { group });
    await later.waitFor(5, 30_000);
    expect(first.count).toBe(0);
    expect(later.ids().sort()).toEqual(sent.map((m) => m.id).sort());
  });

  it('two members of one group on one connection share the messages', async () => {
    const t = await transport();
    const topic = janitor.name(uniqueName('pb.members'));
    const group = uniqueName('g');
    const a = new Collector();
    const b = new Collector();
    await t.subscribe(topic, acking(a), { group, maxInFlight: 2 });
    await t.subscribe(topic, acking(b), { group, maxInFlight: 2 });
    const sent = Array.from({ length: 100 }, (_, i) => createMessage({ body: `m-${i}` }));
    await t.publish(topic, sent);
    const all = new Collector();
    const done = all.waitFor(100, 30_000);
    for (const c of [a, b]) {
      for (const d of c.deliveries) all.push(d);
      const push = c.push.bind(c);
      c.push = (d) => {
        push(d);
        all.push(d);
      };
    }
    await done;
    expect(new Set([...a.ids(), ...b.ids()]).size).toBe(100);
    expect(a.ids().filter((id) => b.ids().includes(id))).toEqual([]);
    expect(a.count).toBeGreaterThan(0);
    expect(b.count).toBeGreaterThan(0);
  });

  it('one group name on two topics is two subscriptions', async () => {
    const t = await transport();
    const group = uniqueName('g');
    const topicA = janitor.name(uniqueName('pb.ga'));
    const topicB = janitor.name(uniqueName('pb.gb'));
    const a = new Collector();
    const b = new Collector();
    await t.subscribe(topicA, acking(a), { group });
    await t.subscribe(topicB, acking(b), { group });
    await t.publish(topicA, [createMessage({ body: 'to-a' })]);
    await t.publish(topicB, [createMessage({ body: 'to-b-1' }), createMessage({ body: 'to-b-2' })]);
    await Promise.all([a.waitFor(1, 30_000), b.waitFor(2, 30_000)]);
    const text = (c: Collector) => c.deliveries.map((d) => Buffer.from(d.message.body).toString()).sort();
    expect(text(a)).toEqual(['to-a']);
    expect(text(b)).toEqual(['to-b-1', 'to-b-2']);
  });

  it('nack without requeue does not redeliver (Artemis moves it to the dead-letter address)', async () => {
    const t = await transport();
    const topic = janitor.name(uniqueName('pb.reject'));
    const c = new Collector();
    await t.subscribe(
      topic,
      async (d) => {
        c.push(d);
        if (Buffer.from(d.message.body).toString() === 'poison') await d.nack({ requeue: false });
        else await d.ack();
      },
      { group: 'g' },
    );
    const poison = createMessage({ body: 'poison' });
    await t.publish(topic, [poison]);
    await c.waitFor(1, 30_000);
    await t.publish(topic, [createMessage({ body: 'marker' })]);
    await c.waitFor(2, 30_000);
    expect(c.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual(['poison', 'marker']);
    // and it is in Artemis's DLQ (other leftovers there are handed back untouched)
    const inDlq = new Collector();
    await t.subscribe(
      { queue: 'DLQ' },
      async (d) => {
        if (d.message.id === poison.id) {
          inDlq.push(d);
          await d.ack();
        } else await d.nack();
      },
      { maxInFlight: 64 },
    );
    await inDlq.waitFor(1, 30_000);
    expect(Buffer.from(inDlq.deliveries[0]!.message.body).toString()).toBe('poison');
  });
});
